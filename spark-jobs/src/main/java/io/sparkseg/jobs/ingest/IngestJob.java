package io.sparkseg.jobs.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.severstal.TrainCsv;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.io.Quarantine;
import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ingest}: the training images (Spark's {@code binaryFile} source, recursive, glob) and
 * {@code train.csv} (either layout) into the {@code images} and {@code masks} tables. Every
 * file and every CSV data row ends up in exactly one place: a table, the "no defect" count
 * (legacy layout's empty rows), or {@code quarantine} — and the report proves it.
 */
public final class IngestJob {
  public static final String NAME = "ingest";

  private IngestJob() {}

  public static JobReport run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    if (cfg.dataset().multiClass()) {
      return SampleIngestJob.run(spark, cfg, out);
    }
    if (cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS) {
      throw new IllegalArgumentException("dataset.kind = person-photos is ingested by "
          + "smart-crop (it detects and crops each photo), not ingest");
    }
    SparksegConfig.Data data = cfg.data();
    Inputs.requireExists(spark, "sparkseg.data.train-images", data.trainImages(), true);
    Inputs.requireExists(spark, "sparkseg.data.train-csv", data.trainCsv(), false);
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());

    spark.sparkContext().setJobDescription("ingest: listing and decoding images");
    Dataset<Row> inspected = inspectImages(spark, data);
    try {
      ingestImages(store, report, inspected);
      spark.sparkContext().setJobDescription("ingest: validating train.csv rows");
      ingestCsv(spark, data, store, report, inspected);
    } finally {
      inspected.unpersist();
    }
    return report.finish(spark, store, out);
  }

  private static Dataset<Row> inspectImages(SparkSession spark, SparksegConfig.Data data) {
    Dataset<Row> files = spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", data.imageGlob())
        .load(data.trainImages());
    // names starting with _ or . that Spark's listing skips: read too, so they are counted
    java.util.List<String> hidden = io.sparkseg.jobs.io.UnlistedFiles.list(
        spark.sparkContext().hadoopConfiguration(), data.trainImages(), data.imageGlob());
    if (!hidden.isEmpty()) {
      files = files.select("path", "modificationTime", "length", "content")
          .unionByName(io.sparkseg.jobs.io.UnlistedFiles.read(spark, hidden));
    }
    Dataset<Row> inspected = files.mapPartitions(
        new ImageInspector(data.imageHeight(), data.imageWidth()),
        Encoders.row(ImageInspector.SCHEMA));
    // The same file name twice (sub-folders): keep the first readable one by path.
    return Quarantine.markDuplicateImageIds(inspected).persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static void ingestImages(TableStore store, JobReport report, Dataset<Row> inspected) {
    long in = inspected.count();
    store.overwrite(TableStore.IMAGES, inspected.filter(col("reason").isNull())
        .select("image_id", "source_path", "modified_at", "length", "content_hash", "format",
            "height", "width", "channels", "content"));
    long written = store.read(TableStore.IMAGES).count();
    Dataset<Row> rejected = inspected.filter(col("reason").isNotNull());
    long quarantined = Quarantine.append(store, Quarantine.rows(rejected, report.runId(), NAME,
        col("source_path"), lit(null), col("image_id"), lit(null), lit(null)));
    countReasons(report, "images", rejected);
    report.count("image_files_in", in).count("images_written", written)
        .count("images_quarantined", quarantined);
    report.reconcile("image files", in, JobReport.outcomes("written", written, "quarantined", quarantined));
  }

  private static void ingestCsv(SparkSession spark, SparksegConfig.Data data, TableStore store,
      JobReport report, Dataset<Row> inspected) {
    // lines too long to be a row are found first (streamed, constant memory) and skipped by
    // the line reader, so none becomes a huge String; they are quarantined below
    long limit = LongLines.limit(data.imageHeight(), data.imageWidth());
    org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    List<LongLines.Line> longLines = LongLines.scan(hadoop, data.trainCsv(), limit);
    long[] skipped = longLines.stream().mapToLong(LongLines.Line::index).toArray();
    org.apache.hadoop.mapred.JobConf job = new org.apache.hadoop.mapred.JobConf(hadoop);
    job.setInt(org.apache.hadoop.mapreduce.lib.input.LineRecordReader.MAX_LINE_LENGTH,
        (int) limit);
    org.apache.hadoop.mapred.FileInputFormat.setInputPaths(job, data.trainCsv());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<String> lines = jsc.hadoopRDD(job, org.apache.hadoop.mapred.TextInputFormat.class,
            org.apache.hadoop.io.LongWritable.class, org.apache.hadoop.io.Text.class,
            jsc.defaultMinPartitions())
        .map(t -> t._2().toString());
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("sparkseg.data.train-csv: " + data.trainCsv()
          + " is empty; expected a header line");
    }
    TrainCsv.Layout layout;
    try {
      layout = TrainCsv.detect(lines.first());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sparkseg.data.train-csv: " + data.trainCsv() + " line 1: "
          + e.getMessage(), e);
    }
    JavaPairRDD<String, Long> indexed = lines.zipWithIndex()
        .mapToPair(t -> new scala.Tuple2<>(t._1(), LongLines.lineIndex(t._2(), skipped)));
    long blank = indexed.filter(t -> t._2() > 0 && t._1().isBlank()).count();
    JavaRDD<Row> parsed = indexed.filter(t -> t._2() > 0 && !t._1().isBlank())
        .map(new CsvRowParser(data.trainCsv(), layout, data.classes()));
    Dataset<Row> rows = spark.createDataFrame(parsed, CsvRowParser.SCHEMA);
    if (!longLines.isEmpty()) {
      List<Row> tooLong = new java.util.ArrayList<>();
      for (LongLines.Line l : longLines) {
        tooLong.add(org.apache.spark.sql.RowFactory.create(data.trainCsv(), l.index() + 1,
            l.head() + "...", TrainCsv.Row.Kind.MASK.name(), null, null, null,
            QuarantineReason.MALFORMED_ROW.code(), "line " + (l.index() + 1) + " is " + l.bytes()
                + " bytes: no row for a " + data.imageHeight() + "x" + data.imageWidth()
                + " image is longer than " + limit + " (raw: its first "
                + LongLines.HEAD_BYTES + " bytes)"));
      }
      rows = rows.unionByName(spark.createDataFrame(tooLong, CsvRowParser.SCHEMA));
    }

    // The image must have been ingested; its real size validates the RLE.
    Dataset<Row> good = inspected.filter(col("reason").isNull())
        .select(col("image_id").as("_id"), col("height"), col("width"));
    Dataset<Row> bad = inspected.filter(col("reason").isNotNull()).groupBy("image_id")
        .agg(min("reason").as("_image_reason")).withColumnRenamed("image_id", "_bad_id");
    Column missing = col("reason").isNull().and(col("height").isNull());
    rows = rows.join(good, rows.col("image_id").equalTo(good.col("_id")), "left")
        .join(bad, rows.col("image_id").equalTo(bad.col("_bad_id")), "left")
        .withColumn("detail", when(missing, coalesce(
            concat(lit("image was quarantined ("), col("_image_reason"), lit(")")),
            concat(lit("no image file '"), col("image_id"), lit("' under " + data.trainImages()))))
            .otherwise(col("detail")))
        .withColumn("reason", when(missing, lit(QuarantineReason.MISSING_IMAGE.code()))
            .otherwise(col("reason")))
        .drop("_id", "_bad_id", "_image_reason");
    Dataset<Row> checked = rows.mapPartitions(new RleValidator(rows.schema()),
        Encoders.row(RleValidator.outputSchema(rows.schema())));

    // (image, class) twice: keep the first valid row by line number (validated first, so a
    // bad first row does not shadow a good later one).
    WindowSpec byKey = Window.partitionBy("image_id", "class_id")
        .orderBy(col("reason").isNotNull(), col("line"));
    Column duplicate = col("reason").isNull().and(row_number().over(byKey).gt(1));
    Dataset<Row> validated = checked
        .withColumn("_kept", first("line").over(byKey))
        .withColumn("detail", when(duplicate,
            concat(lit("same image and class as line "), col("_kept").cast("string")))
            .otherwise(col("detail")))
        .withColumn("reason", when(duplicate, lit(QuarantineReason.DUPLICATE_MASK.code()))
            .otherwise(col("reason")))
        .drop("_kept")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long in = validated.count();
      Column ok = col("reason").isNull();
      store.overwrite(TableStore.MASKS, validated
          .filter(ok.and(col("kind").equalTo(TrainCsv.Row.Kind.MASK.name())))
          .select(col("image_id"), col("class_id"), col("rle"), col("pixel_count"),
              col("source_path"), col("line").as("source_line")));
      long masks = store.read(TableStore.MASKS).count();
      long noDefect = validated
          .filter(ok.and(col("kind").equalTo(TrainCsv.Row.Kind.NO_DEFECT.name()))).count();
      Dataset<Row> rejected = validated.filter(col("reason").isNotNull());
      long quarantined = Quarantine.append(store, Quarantine.rows(rejected, report.runId(), NAME,
          col("source_path"), col("line"), col("image_id"), col("class_id"), col("raw")));
      countReasons(report, "csv", rejected);
      report.count("csv_layout_" + layout.name().toLowerCase(java.util.Locale.ROOT), 1)
          .count("csv_rows_in", in).count("csv_blank_lines_skipped", blank)
          .count("masks_written", masks).count("csv_no_defect_rows", noDefect)
          .count("csv_rows_quarantined", quarantined);
      report.reconcile("train.csv rows", in, JobReport.outcomes("masks", masks,
          "no-defect", noDefect, "quarantined", quarantined));
    } finally {
      validated.unpersist();
    }
  }

  private static void countReasons(JobReport report, String prefix, Dataset<Row> rejected) {
    Quarantine.byReason(rejected).forEach((reason, n) ->
        report.count("quarantined." + prefix + "." + reason, n));
  }
}
