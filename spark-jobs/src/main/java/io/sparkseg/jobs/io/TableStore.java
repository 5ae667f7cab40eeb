package io.sparkseg.jobs.io;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.config.TableFormat;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Reads and writes the named tables under {@code sparkseg.tables.dir}, in Delta (default) or
 * Parquet. Table names are the constants below; nothing else names a table.
 */
public final class TableStore {
  public static final String IMAGES = "images";
  public static final String MASKS = "masks";
  public static final String FOLDS = "folds";
  public static final String TILES = "tiles";
  public static final String QUARANTINE = "quarantine";
  public static final String JOB_RUNS = "job_runs";
  public static final String OOF = "oof";
  public static final String PREDICTIONS = "predictions";
  /** Person photos: the square crop of each photo, its masks and how it was found. */
  public static final String CROPS = "crops";
  /** Training samples of the multi-class families (scene, png-masks, coco). */
  public static final String SAMPLES = "samples";

  private final SparkSession spark;
  private final TableFormat format;
  private final SparksegConfig.Tables tables;

  public TableStore(SparkSession spark, SparksegConfig.Tables tables) {
    this.spark = spark;
    this.format = tables.format();
    this.tables = tables;
  }

  public String path(String table) {
    return tables.path(table);
  }

  public TableFormat format() {
    return format;
  }

  public Dataset<Row> read(String table) {
    String p = path(table);
    if (!Inputs.exists(spark, p)) {
      throw new IllegalStateException("table '" + table + "' does not exist at " + p
          + "; run the job that writes it first (see bin/sparkseg --help)");
    }
    return spark.read().format(format.sourceName()).load(p);
  }

  public boolean exists(String table) {
    return Inputs.exists(spark, path(table));
  }

  /** Replaces the table's contents (and schema) atomically in Delta. */
  public void overwrite(String table, Dataset<Row> rows, String... partitionBy) {
    overwrite(table, rows, java.util.Map.of(), partitionBy);
  }

  /** As {@link #overwrite(String, Dataset, String...)} with data source options. */
  public void overwrite(String table, Dataset<Row> rows, java.util.Map<String, String> options,
      String... partitionBy) {
    DataFrameWriter<Row> w = rows.write().format(format.sourceName()).mode(SaveMode.Overwrite)
        .options(options);
    if (format == TableFormat.DELTA) {
      w = w.option("overwriteSchema", "true");
    }
    if (partitionBy.length > 0) {
      w = w.partitionBy(partitionBy);
    }
    w.save(path(table));
  }

  /**
   * Replaces only the partitions (values of {@code partitionColumn}) present in {@code rows}:
   * re-running a job for the same key rewrites its rows and leaves the others alone.
   */
  public void replacePartitions(String table, Dataset<Row> rows, String partitionColumn) {
    rows.write().format(format.sourceName()).mode(SaveMode.Overwrite)
        .option("partitionOverwriteMode", "dynamic").partitionBy(partitionColumn)
        .save(path(table));
  }

  /**
   * Writes {@code rows} keyed by {@code keys}, exactly once: in Delta one atomic MERGE that
   * inserts rows whose key is new and updates those whose key exists when
   * {@code updateWhen} (over target {@code t} and source {@code s}) holds; a repeated or
   * retried write changes nothing. In Parquet (no MERGE) rows whose key exists are skipped and
   * the rest appended. Creates the table, partitioned by {@code partitionBy}, if needed.
   */
  public void upsert(String table, Dataset<Row> rows, java.util.List<String> keys,
      String updateWhen, String... partitionBy) {
    upsert(table, rows, keys, updateWhen, null, partitionBy);
  }

  /** Attempts of a Delta write that lost a race with another writer (then it fails). */
  static final int CONFLICT_ATTEMPTS = 8;

  /**
   * As {@link #upsert(String, Dataset, java.util.List, String, String...)}, with
   * {@code partition} (column = value) naming the one partition every row goes to: the MERGE
   * reads only that partition, so writers of other partitions (other model runs) never
   * conflict with it. A write that conflicts with a concurrent one (Delta's optimistic
   * concurrency) is retried against the new table version: the MERGE is idempotent, so the
   * retry inserts what the other writer did not and updates nothing twice. {@code rows} should
   * be persisted by the caller (a retry reads them again).
   */
  public void upsert(String table, Dataset<Row> rows, java.util.List<String> keys,
      String updateWhen, java.util.Map.Entry<String, String> partition, String... partitionBy) {
    for (int attempt = 1; ; attempt++) {
      try {
        upsertOnce(table, rows, keys, updateWhen, partition, partitionBy);
        return;
      } catch (RuntimeException e) {
        if (format != TableFormat.DELTA || !isConcurrentModification(e)
            || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        long pause = Math.min(5000, 200L << Math.min(attempt, 5))
            + java.util.concurrent.ThreadLocalRandom.current().nextLong(200);
        org.slf4j.LoggerFactory.getLogger(TableStore.class).warn(
            "{}: write conflicted with a concurrent writer ({}); retry {} of {} in {} ms",
            table, e.getClass().getSimpleName(), attempt, CONFLICT_ATTEMPTS - 1, pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Delta's conflict exceptions extend java.util.ConcurrentModificationException. */
  static boolean isConcurrentModification(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.ConcurrentModificationException
          || t.getClass().getName().contains("FileAlreadyExists")) {
        return true;
      }
    }
    return false;
  }

  private void upsertOnce(String table, Dataset<Row> rows, java.util.List<String> keys,
      String updateWhen, java.util.Map.Entry<String, String> partition, String... partitionBy) {
    if (!exists(table)) {
      DataFrameWriter<Row> w = rows.write().format(format.sourceName()).mode(SaveMode.Append);
      if (partitionBy.length > 0) {
        w = w.partitionBy(partitionBy);
      }
      w.save(path(table));
      return;
    }
    if (format == TableFormat.DELTA) {
      org.apache.spark.sql.Column on = org.apache.spark.sql.functions.expr(keys.stream()
          .map(k -> "t." + k + " = s." + k)
          .collect(java.util.stream.Collectors.joining(" AND ")));
      if (partition != null) {
        on = on.and(org.apache.spark.sql.functions.col("t." + partition.getKey())
            .equalTo(org.apache.spark.sql.functions.lit(partition.getValue())));
      }
      io.delta.tables.DeltaTable.forPath(spark, path(table)).as("t")
          .merge(rows.as("s"), on)
          .withSchemaEvolution() // tables written before a column was added take it on
          .whenMatched(updateWhen).updateAll()
          .whenNotMatched().insertAll()
          .execute();
    } else {
      Dataset<Row> existing = read(table);
      if (partition != null) {
        existing = existing.filter(org.apache.spark.sql.functions.col(partition.getKey())
            .equalTo(org.apache.spark.sql.functions.lit(partition.getValue())));
      }
      existing = existing.select(keys.stream().map(org.apache.spark.sql.functions::col)
          .toArray(org.apache.spark.sql.Column[]::new));
      append(table, rows.join(existing, columns(keys.toArray(String[]::new)), "left_anti"));
    }
  }

  /**
   * Deletes the rows of {@code table} whose {@code key} is not among {@code keep}'s (a dataset
   * with that column, each key once): a table that mirrors its input drops what has left the
   * input. Delta: one atomic MERGE (when not matched by source: delete). Parquet (unpartitioned
   * tables; not atomic): the kept rows are written beside the table, the table is renamed
   * aside, the kept rows renamed into its place, and only then is the old table deleted, so no
   * row is lost at any point (a crash between the two renames leaves the table under
   * {@code <table>.replaced-<uuid>}; the error names it).
   */
  public void retainOnly(String table, Dataset<Row> keep, String key) {
    Dataset<Row> keys = keep.select(key);
    if (format == TableFormat.DELTA) {
      io.delta.tables.DeltaTable.forPath(spark, path(table)).as("t")
          .merge(keys.as("s"), org.apache.spark.sql.functions.expr("t." + key + " = s." + key))
          .whenNotMatchedBySource().delete()
          .execute();
      return;
    }
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(path(table));
    org.apache.hadoop.fs.Path kept = new org.apache.hadoop.fs.Path(path(table) + ".retained-"
        + java.util.UUID.randomUUID());
    read(table).join(keys, columns(key), "left_semi").write().format(format.sourceName())
        .mode(SaveMode.ErrorIfExists).save(kept.toString());
    org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(path(table) + ".replaced-"
        + java.util.UUID.randomUUID());
    try {
      org.apache.hadoop.fs.FileSystem fs = target.getFileSystem(
          spark.sparkContext().hadoopConfiguration());
      if (!fs.rename(target, aside)) {
        fs.delete(kept, true);
        throw new java.io.IOException("cannot move " + target + " aside to replace it");
      }
      if (!fs.rename(kept, target)) {
        boolean restored = fs.rename(aside, target);
        throw new java.io.IOException("cannot move " + kept + " into " + target + "; the table "
            + (restored ? "is unchanged" : "is at " + aside));
      }
      fs.delete(aside, true);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(table + ": " + e.getMessage(), e);
    }
  }

  /** Column names as the Scala sequence Spark's join-by-name methods take. */
  public static scala.collection.immutable.Seq<String> columns(String... names) {
    return scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.of(names)).toList();
  }

  public void append(String table, Dataset<Row> rows) {
    rows.write().format(format.sourceName()).mode(SaveMode.Append).save(path(table));
  }
}
