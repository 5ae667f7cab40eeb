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
