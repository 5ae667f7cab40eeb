package io.sparkseg.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.sparkseg.core.coco.CocoDataset;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.scene.SampleReader;
import io.sparkseg.core.scene.SceneLayout;
import io.sparkseg.core.train.ClassWeights;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.io.OutputFiles;
import io.sparkseg.jobs.io.Quarantine;
import io.sparkseg.jobs.io.TableStore;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ingest} for the multi-class families ({@code dataset.kind} scene, png-masks, coco):
 * lists the images ({@code data.train-images}) and their labels ({@code dataset.labels}, or the
 * COCO file), pairs them on the driver (model-core's {@link SceneLayout}; COCO by file name),
 * and reads each pair on the executors ({@link SampleFunction}) into the {@code samples} table:
 * the image at the model's size, its per-class masks (RLE, pixel counts) and its sequence, the
 * group {@code folds} keeps together. Every listed file ends up in a sample, in quarantine
 * (with its reason and file) or excluded by {@code dataset.include}, and the report proves it.
 * It also prints the pixel frequency of each class and the class weights it would give, and
 * writes them to {@code <work>/class_stats.json}.
 */
public final class SampleIngestJob {
  public static final String NAME = IngestJob.NAME;
  /** The class statistics file under the work folder. */
  public static final String CLASS_STATS = "class_stats.json";

  private static final StructType EARLY = new StructType()
      .add("image_id", DataTypes.StringType, true)
      .add("source_path", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, false);

  private SampleIngestJob() {}

  public static JobReport run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    SparksegConfig.Data data = cfg.data();
    SparksegConfig.MultiClass mc = cfg.multiClass();
    boolean coco = cfg.dataset() == SparksegConfig.DatasetKind.COCO;
    Inputs.requireExists(spark, "sparkseg.data.train-images", data.trainImages(), true);
    if (coco) {
      Inputs.requireExists(spark, "sparkseg.dataset.coco.annotations", mc.cocoAnnotations(),
          false);
    } else {
      Inputs.requireExists(spark, "sparkseg.dataset.labels", mc.labels(), true);
    }
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());

    spark.sparkContext().setJobDescription("ingest: listing " + cfg.dataset().code() + " files");
    List<String> images = Inputs.listFiles(spark, data.trainImages(), data.imageGlob());
    List<Row> pairs = new ArrayList<>();
    List<Row> early = new ArrayList<>();
    Map<String, Integer> classOfCategory = null;
    long excluded;
    if (coco) {
      classOfCategory = new LinkedHashMap<>();
      excluded = pairCoco(images, data.trainImages(), mc, data.classes(), hadoop, pairs, early,
          classOfCategory, report);
    } else {
      List<String> labels = Inputs.listFiles(spark, mc.labels(), "*");
      excluded = pairFiles(images, data.trainImages(), labels, mc.labels(), mc.include(), pairs,
          early);
      report.count("label_files_in", labels.size());
      report.reconcile("files (images and labels)", images.size() + labels.size(),
          JobReport.outcomes("in a pair", 2L * pairs.size(), "quarantined unpaired",
              (long) early.size(), "excluded by dataset.include", excluded));
    }
    report.count("image_files_in", images.size()).count("pairs", pairs.size());

    SampleReader reader = new SampleReader(mc.decoder(), data.resize(), data.imageHeight(),
        data.imageWidth());
    int partitions = Math.max(1, Math.min(pairs.size(),
        spark.sparkContext().defaultParallelism() * 2));
    spark.sparkContext().setJobDescription("ingest: reading " + pairs.size() + " "
        + cfg.dataset().code() + " samples");
    Dataset<Row> read = spark.createDataFrame(pairs, SampleFunction.PAIRS)
        .repartition(partitions, col("image_id"))
        .mapPartitions(new SampleFunction(reader, data.classes(), classOfCategory,
            mc.cocoCrowdIgnored(), hadoop), Encoders.row(SampleFunction.SCHEMA))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      store.overwrite(TableStore.SAMPLES, read.filter(col("reason").isNull())
          .drop("reason", "detail").withColumn("job_run_id", lit(report.runId())));
      Dataset<Row> table = store.read(TableStore.SAMPLES);
      long written = table.count();
      Dataset<Row> rejected = read.filter(col("reason").isNotNull())
          .select("image_id", "source_path", "reason", "detail")
          .unionByName(spark.createDataFrame(early, EARLY));
      long lateRejected = read.filter(col("reason").isNotNull()).count();
      long quarantined = Quarantine.append(store, Quarantine.rows(rejected, report.runId(), NAME,
          col("source_path"), lit(null), col("image_id"), lit(null), lit(null)));
      Quarantine.byReason(rejected).forEach((reason, n) ->
          report.count("quarantined." + reason, n));
      report.count("samples_written", written).count("quarantined", quarantined)
          .count("excluded_by_include", excluded);
      report.reconcile("pairs", pairs.size(), JobReport.outcomes("samples", written,
          "quarantined", lateRejected));
      classStats(table, cfg, hadoop, report);
      long sequences = table.select("sequence").distinct().count();
      report.line(written + " samples in " + sequences + " sequence(s) at " + data.imageHeight()
          + "x" + data.imageWidth() + (data.resize() == null ? "" : " (resize "
              + data.resize().name().toLowerCase(Locale.ROOT) + ": "
              + table.filter(col("resize").isNotNull()).count() + " fitted)"));
    } finally {
      read.unpersist();
    }
    return report.finish(spark, store, out);
  }

  /**
   * Images and label files paired by relative folder and name (SceneLayout); unpaired files go
   * to {@code early}. Returns how many files {@code include} left out.
   */
  static long pairFiles(List<String> images, String imageRoot, List<String> labels,
      String labelRoot, Set<String> include, List<Row> pairs, List<Row> early) {
    Map<String, String> abs = new HashMap<>();
    List<String> img = new ArrayList<>();
    List<String> lbl = new ArrayList<>();
    long excluded = 0;
    for (String p : images) {
      String rel = Inputs.relative(p, imageRoot);
      if (!include.isEmpty() && !include.contains(sequence(rel))) {
        excluded++;
        continue;
      }
      abs.put(SceneLayout.IMAGES + rel, p);
      img.add(SceneLayout.IMAGES + rel);
    }
    for (String p : labels) {
      String rel = Inputs.relative(p, labelRoot);
      if (!include.isEmpty() && !include.contains(sequence(rel))) {
        excluded++;
        continue;
      }
      abs.put(SceneLayout.LABELS + rel, p);
      lbl.add(SceneLayout.LABELS + rel);
    }
    SceneLayout.Pairing pairing = SceneLayout.pair(img, lbl, Set.of(), true);
    for (SceneLayout.Frame f : pairing.frames()) {
      pairs.add(RowFactory.create(f.id(), f.sequence(), abs.get(f.image()), abs.get(f.label()),
          null));
    }
    for (SceneLayout.Unpaired u : pairing.unpaired()) {
      String where = abs.get(u.path());
      early.add(RowFactory.create(null, where, u.reason().code(), u.detail()
          .replace(SceneLayout.IMAGES, imageRoot + "/").replace(SceneLayout.LABELS,
              labelRoot + "/")));
    }
    return excluded;
  }

  private static String sequence(String relative) {
    int slash = relative.lastIndexOf('/');
    return slash < 0 ? "" : relative.substring(0, slash);
  }

  /**
   * Images paired with their entries of the COCO file (by path relative to the images folder,
   * then file name); each pair carries the one-image COCO JSON its executor paints. Images
   * without entry, entries without image, annotations of no image and an unreadable file go
   * to {@code early}. Fills {@code classOfCategory} (dataset.coco.categories, else every
   * category in id order).
   */
  private static long pairCoco(List<String> images, String imageRoot,
      SparksegConfig.MultiClass mc, int classes, Configuration hadoop, List<Row> pairs,
      List<Row> early, Map<String, Integer> classOfCategory, JobReport report) {
    String file = mc.cocoAnnotations();
    CocoDataset coco;
    Path p = new Path(file);
    try (Reader r = new InputStreamReader(p.getFileSystem(hadoop).open(p),
        StandardCharsets.UTF_8)) {
      coco = CocoDataset.read(r, file);
    } catch (CocoDataset.CocoException e) {
      early.add(RowFactory.create(null, file, QuarantineReason.BAD_ANNOTATION.code(),
          e.getMessage()));
      for (String img : images) {
        early.add(RowFactory.create(null, img, QuarantineReason.NO_ANNOTATION.code(), img
            + ": " + file + " cannot be read, so no image has annotations"));
      }
      report.reconcile("image files", images.size(), JobReport.outcomes("quarantined",
          (long) images.size()));
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("sparkseg.dataset.coco.annotations: cannot read " + file
          + ": " + e.getMessage(), e);
    }
    List<String> names = mc.cocoCategories().isEmpty()
        ? coco.categories().stream().map(CocoDataset.Category::name).toList()
        : mc.cocoCategories();
    if (names.size() != classes) {
      throw new IllegalArgumentException("sparkseg.dataset.coco.categories: " + names.size()
          + " categories " + names + " but sparkseg.data.classes = " + classes);
    }
    for (int i = 0; i < names.size(); i++) {
      classOfCategory.put(names.get(i), i);
    }
    Map<String, String> byRelative = new LinkedHashMap<>();
    Map<String, String> byName = new HashMap<>();
    for (String img : images) {
      String rel = Inputs.relative(img, imageRoot);
      byRelative.put(rel == null ? img : rel, img);
      byName.putIfAbsent(img.substring(img.lastIndexOf('/') + 1), img);
    }
    Set<String> used = new java.util.HashSet<>();
    long entries = 0;
    long missing = 0;
    for (CocoDataset.Image entry : coco.images()) {
      entries++;
      String name = entry.fileName();
      String path = byRelative.get(name);
      if (path == null) {
        path = byName.get(name.substring(name.lastIndexOf('/') + 1));
      }
      if (path == null || !used.add(path)) {
        missing++;
        early.add(RowFactory.create(name, file, path == null
            ? QuarantineReason.MISSING_IMAGE.code() : QuarantineReason.DUPLICATE_IMAGE.code(),
            file + ": image " + entry.id() + " '" + name + "' " + (path == null
                ? "has no file under " + imageRoot : "names the same file as another entry")));
        continue;
      }
      String rel = Inputs.relative(path, imageRoot);
      String id = (rel == null ? name : rel).replaceAll("\\.[A-Za-z0-9]+$", "");
      String seq = sequence(rel == null ? "" : rel);
      pairs.add(RowFactory.create(id, seq, path, file + "#image=" + entry.id(),
          coco.toJson(entry)));
    }
    long orphanAnnotations = coco.orphanAnnotations().size();
    if (orphanAnnotations > 0) {
      early.add(RowFactory.create(null, file, QuarantineReason.BAD_ANNOTATION.code(), file + ": "
          + orphanAnnotations + " annotation(s) name no image of the file, e.g. annotation "
          + coco.orphanAnnotations().get(0).id() + " of image "
          + coco.orphanAnnotations().get(0).imageId()));
    }
    long unannotated = 0;
    for (String img : images) {
      if (!used.contains(img)) {
        unannotated++;
        early.add(RowFactory.create(null, img, QuarantineReason.NO_ANNOTATION.code(), img
            + ": no image entry of " + file + " names this file"));
      }
    }
    report.count("coco_image_entries", entries);
    report.reconcile("image files", images.size(), JobReport.outcomes("in a pair",
        (long) pairs.size(), "quarantined without entry", unannotated));
    report.reconcile("COCO image entries", entries, JobReport.outcomes("in a pair",
        (long) pairs.size(), "quarantined without file", missing));
    return 0;
  }

  /** Pixels per class over all samples, the weights each scheme gives, and class_stats.json. */
  private static void classStats(Dataset<Row> table, SparksegConfig cfg, Configuration hadoop,
      JobReport report) {
    int classes = cfg.data().classes();
    long[] pixels = pixels(table, classes);
    long ignored = 0;
    for (Row r : table.agg(org.apache.spark.sql.functions.sum("ignored_pixels"))
        .collectAsList()) {
      ignored = r.isNullAt(0) ? 0 : r.getLong(0);
    }
    long total = java.util.Arrays.stream(pixels).sum();
    float[] inverse = ClassWeights.of("inverse", pixels);
    float[] median = ClassWeights.of("median-frequency", pixels);
    List<String> names = cfg.classNames();
    report.line(String.format(Locale.ROOT, "%-16s %12s %9s %9s %9s", "class", "pixels",
        "frequency", "inverse", "median-fq"));
    com.google.gson.JsonArray perClass = new com.google.gson.JsonArray();
    for (int c = 0; c < classes; c++) {
      double f = total == 0 ? 0 : (double) pixels[c] / total;
      report.line(String.format(Locale.ROOT, "%-16s %12d %9.4f %9.3f %9.3f", names.get(c),
          pixels[c], f, inverse[c], median[c]));
      com.google.gson.JsonObject o = new com.google.gson.JsonObject();
      o.addProperty("class_id", c + 1);
      o.addProperty("name", names.get(c));
      o.addProperty("pixels", pixels[c]);
      o.addProperty("frequency", f);
      o.addProperty("inverse", inverse[c]);
      o.addProperty("median_frequency", median[c]);
      perClass.add(o);
      report.count("pixels.class" + (c + 1), pixels[c]);
    }
    report.line(ignored + " pixels ignored (no class)");
    com.google.gson.JsonObject root = new com.google.gson.JsonObject();
    root.addProperty("dataset", cfg.dataset().code());
    root.addProperty("ignored_pixels", ignored);
    root.add("classes", perClass);
    Path file = new Path(cfg.workDir(), CLASS_STATS);
    try {
      OutputFiles.replaceAtomically(file, hadoop, o -> o.write(
          new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(root)
              .getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    report.line("class statistics: " + file);
  }

  /** Pixels per class summed over the rows' {@code mask_pixels}. */
  public static long[] pixels(Dataset<Row> samples, int classes) {
    long[] pixels = new long[classes];
    for (Row r : samples.select(org.apache.spark.sql.functions.posexplode(col("mask_pixels"))
        .as(new String[] {"pos", "n"})).groupBy("pos")
        .agg(org.apache.spark.sql.functions.sum("n")).collectAsList()) {
      if (r.getInt(0) < classes) {
        pixels[r.getInt(0)] = r.getLong(1);
      }
    }
    return pixels;
  }
}
