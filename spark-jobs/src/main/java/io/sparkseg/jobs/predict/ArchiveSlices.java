package io.sparkseg.jobs.predict;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.not;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Spreads large archives over several tasks. A listing row (path, length) of an archive longer
 * than the slice size becomes {@code ceil(length / slice size)} rows (path, length, slice,
 * slices), each in a partition of its own, so as many tasks read the archive at once;
 * {@link ImageFiles} then decodes only the entries of its slice (every {@code slices}-th entry,
 * starting at {@code slice}). Every other row is one slice of one.
 */
final class ArchiveSlices {
  static final StructType SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("length", DataTypes.LongType, true)
      .add("slice", DataTypes.IntegerType, false)
      .add("slices", DataTypes.IntegerType, false);

  private ArchiveSlices() {}

  /** Slices of an archive of {@code length} bytes: ceil(length / sliceBytes), at least 1. */
  static int slices(long length, long sliceBytes) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (length + sliceBytes - 1) / sliceBytes));
  }

  /**
   * The listing with slice columns; {@code note} hears one line per sliced archive. The large
   * archives' rows are few (one per archive) and are collected to the driver to plan them.
   */
  static Dataset<Row> spread(SparkSession spark, Dataset<Row> files, long sliceBytes,
      Consumer<String> note) {
    Column archive = lower(col("path")).rlike("\\.(zip|tar|tar\\.gz|tgz)$");
    Column large = coalesce(archive.and(col("length").gt(sliceBytes)), lit(false));
    Dataset<Row> rest = files.filter(not(large)).select(col("path"), col("length"),
        lit(0).as("slice"), lit(1).as("slices"));
    List<Row> big = files.filter(large).select("path", "length").collectAsList();
    if (big.isEmpty()) {
      return rest;
    }
    List<Row> rows = new ArrayList<>();
    for (Row r : big) {
      int n = slices(r.getLong(1), sliceBytes);
      note.accept(String.format(Locale.ROOT, "archive %s (%,d MB) read by %d tasks "
          + "(sparkseg.predict.archive-slice-bytes)", r.getString(0), r.getLong(1) >> 20, n));
      for (int i = 0; i < n; i++) {
        rows.add(RowFactory.create(r.getString(0), r.getLong(1), i, n));
      }
    }
    Dataset<Row> sliced = spark.createDataFrame(JavaSparkContext.fromSparkContext(
        spark.sparkContext()).parallelize(rows, rows.size()), SCHEMA);
    return rest.unionByName(sliced);
  }
}
