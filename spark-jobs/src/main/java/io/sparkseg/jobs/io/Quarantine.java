package io.sparkseg.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The {@code quarantine} table: one row per record set aside, appended by every job.
 * Columns: run_id, job, source_path (file the record came from), line (1-based line in that
 * file, for CSV rows), image_id, class_id, reason (a {@code QuarantineReason} code), detail
 * (human-readable why), raw (the raw CSV line; for files, null: the file at source_path is the
 * raw value), quarantined_at.
 */
public final class Quarantine {
  private Quarantine() {}

  /**
   * Projects rejected records to the quarantine schema. {@code rows} must have string columns
   * {@code reason} and {@code detail}; the other columns are given as expressions (null allowed).
   */
  public static Dataset<Row> rows(Dataset<Row> rows, String runId, String job, Column sourcePath,
      Column line, Column imageId, Column classId, Column raw) {
    return rows.select(
        lit(runId).as("run_id"),
        lit(job).as("job"),
        sourcePath.cast(DataTypes.StringType).as("source_path"),
        line.cast(DataTypes.LongType).as("line"),
        imageId.cast(DataTypes.StringType).as("image_id"),
        classId.cast(DataTypes.IntegerType).as("class_id"),
        col("reason"),
        col("detail"),
        raw.cast(DataTypes.StringType).as("raw"),
        current_timestamp().as("quarantined_at"));
  }

  /**
   * Sets reason {@code bad-image-id} (and why, in {@code detail}) on rows not yet rejected whose
   * image id the outputs cannot carry ({@link io.sparkseg.core.image.ImageIds}).
   */
  public static Dataset<Row> markBadImageIds(Dataset<Row> rows) {
    return markBadImageIds(rows, false);
  }

  /**
   * As {@link #markBadImageIds(Dataset)}; with {@code paths} the ids are relative paths
   * ({@code <sequence>/<frame>}: '/' allowed between non-empty parts).
   */
  public static Dataset<Row> markBadImageIds(Dataset<Row> rows, boolean paths) {
    org.apache.spark.sql.expressions.UserDefinedFunction problem =
        org.apache.spark.sql.functions.udf(paths
            ? (org.apache.spark.sql.api.java.UDF1<String, String>)
                io.sparkseg.core.image.ImageIds::pathProblem
            : (org.apache.spark.sql.api.java.UDF1<String, String>)
                io.sparkseg.core.image.ImageIds::problem, DataTypes.StringType);
    Column bad = col("reason").isNull().and(problem.apply(col("image_id")).isNotNull());
    return rows
        .withColumn("detail", org.apache.spark.sql.functions.when(bad,
            problem.apply(col("image_id"))).otherwise(col("detail")))
        .withColumn("reason", org.apache.spark.sql.functions.when(bad,
            lit(io.sparkseg.core.quality.QuarantineReason.BAD_IMAGE_ID.code()))
            .otherwise(col("reason")));
  }

  /**
   * Where several rows not yet rejected share an image id and their {@code content} has not
   * been decoded yet (predict), decodes those rows (only those: ids are rarely shared) and sets
   * the unreadable ones' reason, so {@link #markDuplicateImageIds} keeps the first readable
   * one instead of the first by path. {@code rows} needs image_id, content, reason, detail.
   */
  public static Dataset<Row> markUnreadableDuplicates(Dataset<Row> rows) {
    org.apache.spark.sql.expressions.UserDefinedFunction decodeProblem =
        org.apache.spark.sql.functions.udf(
            (org.apache.spark.sql.api.java.UDF1<byte[], String>) Quarantine::decodeProblem,
            DataTypes.StringType);
    Column shared = col("reason").isNull().and(org.apache.spark.sql.functions.count(lit(1))
        .over(org.apache.spark.sql.expressions.Window.partitionBy("image_id")).gt(1));
    return rows.withColumn("_problem", org.apache.spark.sql.functions.when(shared,
            decodeProblem.apply(col("content"))))
        .withColumn("reason", org.apache.spark.sql.functions.when(
            col("_problem").isNotNull(), org.apache.spark.sql.functions.substring_index(
                col("_problem"), "|", 1)).otherwise(col("reason")))
        .withColumn("detail", org.apache.spark.sql.functions.when(
            col("_problem").isNotNull(), org.apache.spark.sql.functions.substring_index(
                col("_problem"), "|", -1)).otherwise(col("detail")))
        .drop("_problem");
  }

  /** "reason|detail" when {@code content} does not decode, else null. */
  static String decodeProblem(byte[] content) {
    if (content == null) {
      return null;
    }
    try {
      io.sparkseg.core.image.ImageCodec.inspect(content);
      return null;
    } catch (io.sparkseg.core.image.ImageDecodeException e) {
      return e.reason().code() + "|" + e.getMessage().replace('|', '/');
    }
  }

  /**
   * Marks all but the first row of each {@code image_id} (readable rows first, then by
   * {@code source_path}) as {@code duplicate-image}, naming the kept path in {@code detail}.
   * {@code rows} needs string columns image_id, source_path, reason and detail.
   */
  public static Dataset<Row> markDuplicateImageIds(Dataset<Row> rows) {
    org.apache.spark.sql.expressions.WindowSpec byId =
        org.apache.spark.sql.expressions.Window.partitionBy("image_id")
            .orderBy(col("reason").isNotNull(), col("source_path"));
    Column duplicate = col("reason").isNull()
        .and(org.apache.spark.sql.functions.row_number().over(byId).gt(1));
    return rows
        .withColumn("_kept", org.apache.spark.sql.functions.first("source_path").over(byId))
        .withColumn("detail", org.apache.spark.sql.functions.when(duplicate,
            org.apache.spark.sql.functions.concat(lit("same image id as "), col("_kept")))
            .otherwise(col("detail")))
        .withColumn("reason", org.apache.spark.sql.functions.when(duplicate,
            lit(io.sparkseg.core.quality.QuarantineReason.DUPLICATE_IMAGE.code()))
            .otherwise(col("reason")))
        .drop("_kept");
  }

  /**
   * The rows of {@code quarantineRows} (quarantine schema) that {@code job} has not recorded
   * yet: same source path, reason and raw value (for files, their content hash). Jobs that
   * run on a schedule over the same inputs record each bad file once.
   */
  public static Dataset<Row> notYetRecorded(TableStore store, Dataset<Row> quarantineRows,
      String job) {
    if (!store.exists(TableStore.QUARANTINE)) {
      return quarantineRows;
    }
    Dataset<Row> known = store.read(TableStore.QUARANTINE).filter(col("job").equalTo(job))
        .select("source_path", "reason", "raw").distinct();
    return quarantineRows.join(known, quarantineRows.col("source_path")
        .eqNullSafe(known.col("source_path"))
        .and(quarantineRows.col("reason").equalTo(known.col("reason")))
        .and(quarantineRows.col("raw").eqNullSafe(known.col("raw"))), "left_anti");
  }

  /** Rejected rows (with a {@code reason} column) counted by reason, in reason order: one job. */
  public static java.util.Map<String, Long> byReason(Dataset<Row> rejected) {
    java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (Row r : rejected.groupBy("reason").count().orderBy("reason").collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  /** Appends to the quarantine table and returns how many rows were appended. */
  public static long append(TableStore store, Dataset<Row> quarantineRows) {
    Dataset<Row> cached = quarantineRows.cache();
    try {
      long n = cached.count();
      if (n > 0) {
        store.append(TableStore.QUARANTINE, cached);
      }
      return n;
    } finally {
      cached.unpersist();
    }
  }
}
