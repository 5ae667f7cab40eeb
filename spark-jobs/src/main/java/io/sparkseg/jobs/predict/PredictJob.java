package io.sparkseg.jobs.predict;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.config.TableFormat;
import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.severstal.Submission;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.io.Quarantine;
import io.sparkseg.jobs.io.TableStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code predict}: scores images with a run's fold ensemble (or one model) and writes the
 * {@code predictions} table and the Kaggle submission. Incremental and exactly once: images
 * whose (image id, content hash, {@link ScoringIdentity scoring identity}) already has
 * predictions for the model run are not scored again (other models or post-processing
 * settings re-score them, and the report says why), and new rows go in with one MERGE keyed
 * by (model run, image, class) that reads only the run's partition and is retried when a
 * concurrent predict wins a race, so a repeated, retried or concurrent job neither duplicates
 * nor loses rows. Unreadable images go to quarantine; every input image is accounted for.
 */
public final class PredictJob {
  public static final String NAME = "predict";
  private static final List<String> KEYS = List.of("model_run_id", "image_id", "class_id");

  private PredictJob() {}

  /** What a predict run did. */
  public record Result(String modelRunId, long imagesIn, long alreadyScored, long scored,
      long quarantined, long submissionImages, String submission, double[] diceAndBaseline,
      Map<String, Long> quarantinedByReason) {}

  /**
   * The models to score with and where their post-processing comes from: a run's folds
   * ({@code runDir}), one DJL model, or one exported ONNX file ({@code onnx}: its description).
   */
  record Models(String modelRunId, List<String> files, String runDir,
      io.sparkseg.core.export.ExportedModel onnx) {
    Models(String modelRunId, List<String> files, String runDir) {
      this(modelRunId, files, runDir, null);
    }

    /**
     * The classes whose folds are combined by their maximum: the configuration's
     * {@code predict.fold-max-classes} when there are folds to combine (two or more DJL model
     * files); none for one model or an ONNX file (its graph already combines its folds).
     */
    List<Integer> foldMaxClasses(SparksegConfig cfg) {
      return onnx == null && files.size() > 1 ? cfg.predict().foldMaxClasses() : List.of();
    }

    /** How the models' probabilities are combined, in words (predict's line, the card). */
    String combination(SparksegConfig cfg) {
      boolean flip = cfg.predict().flipTta();
      if (onnx != null) {
        return "ONNX Runtime, " + files.get(0) + " (run " + onnx.runId() + ", " + onnx.models()
            + (onnx.flipTta() ? ", flip TTA in the graph" : "")
            + (onnx.foldMaxClasses().isEmpty() ? ""
                : ", the folds' maximum for classes " + onnx.foldMaxClasses() + " in the graph")
            + ")" + (flip && !onnx.flipTta() ? " + flip TTA" : "");
      }
      List<Integer> max = foldMaxClasses(cfg);
      return files.size() + " model(s)" + (flip ? " + flip TTA" : "")
          + (max.isEmpty() ? "" : ", the folds' maximum for classes " + max);
    }
  }

  private static String describe(io.sparkseg.core.tiling.TileGeometry g) {
    return g.tileHeight() + "x" + g.tileWidth() + " at stride " + g.stride() + " over "
        + g.imageHeight() + "x" + g.imageWidth();
  }

  /** An ONNX file's description: its sidecar {@code x.json} when there is one, else its metadata. */
  static io.sparkseg.core.export.ExportedModel onnxDescription(String file, Configuration hadoop)
      throws IOException {
    Path p = new Path(file);
    FileSystem fs = p.getFileSystem(hadoop);
    Path sidecar = new Path(p.getParent(), io.sparkseg.core.export.OnnxSegmentationModel
        .sidecarOf(java.nio.file.Path.of(p.getName())).toString());
    if (fs.exists(sidecar)) {
      try (InputStream in = fs.open(sidecar)) {
        return io.sparkseg.core.export.ExportedModel.fromJson(
            new String(in.readAllBytes(), StandardCharsets.UTF_8), sidecar.toString());
      }
    }
    try (InputStream in = fs.open(p)) {
      return io.sparkseg.core.export.OnnxSegmentationModel.describe(in, file,
          sidecar.toString());
    }
  }

  public static Result run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    SparksegConfig.Predict p = cfg.predict();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());
    Models models = resolveModels(cfg, hadoop);
    int classes = cfg.data().classes();
    for (String f : models.files()) {
      int modelClasses = models.onnx() != null ? models.onnx().classes()
          : card(f, hadoop).spec().classes();
      if (modelClasses != classes) {
        throw new IllegalArgumentException(f + " predicts " + modelClasses
            + " classes but sparkseg.data.classes = " + classes);
      }
    }
    if (models.onnx() != null && !models.onnx().tileGeometry().equals(cfg.tileGeometry())) {
      throw new IllegalArgumentException(models.files().get(0) + " was exported for tiles "
          + describe(models.onnx().tileGeometry()) + ", the configuration tiles "
          + describe(cfg.tileGeometry()) + " (sparkseg.data / sparkseg.tiles)");
    }
    PostProcessor post = postProcessor(cfg, models, hadoop, out);
    ScoringIdentity identity = ScoringIdentity.of(cfg, models, post, hadoop);
    String combination = models.combination(cfg);
    out.printf(Locale.ROOT, "predict with %s: %s, %s; scoring id %s%n", models.modelRunId(),
        combination, describe(post, cfg.dataset().multiClass()), identity.id());

    // 1. every input image once, already-scored ones marked (their content is not kept)
    Dataset<Row> manifest = manifest(spark, cfg, store, models.modelRunId(), identity,
        report::line)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Column ok = col("reason").isNull();
      // one pass over the manifest for all its counts (each count is a Spark job)
      ManifestCounts counts = ManifestCounts.of(manifest, ok);
      long imagesIn = counts.images();
      long already = counts.already();
      long contentChanged = counts.contentChanged();
      Map<String, Long> settingsChanged = counts.settingsChanged();
      Dataset<Row> toScore = manifest.filter(ok.and(col("already_scored").equalTo(false)))
          .select("image_id", "source_path", "content_hash", "content");

      // 2. overlays for the first few new images by id, with their truth when known
      boolean photos = cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS;
      boolean classMaps = cfg.dataset().multiClass();
      Map<String, String[]> truth = photos || classMaps ? null : truth(cfg, hadoop);
      Map<String, String[]> overlayIds = new HashMap<>();
      if (p.overlays() > 0) {
        for (Row r : toScore.select("image_id").orderBy("image_id").limit(p.overlays())
            .collectAsList()) {
          overlayIds.put(r.getString(0), truth == null ? null : truth.get(r.getString(0)));
        }
      }
      String overlayDir = p.overlaysDir() + "/" + models.modelRunId();

      // 3. score the new images
      int partitions = p.partitions() > 0 ? p.partitions()
          : spark.sparkContext().defaultParallelism();
      spark.sparkContext().setJobDescription("sparkseg predict " + models.modelRunId());
      ImageScorer scorer = new ImageScorer(models.files(), cfg.tileGeometry(), classes, post,
          p.flipTta(), p.batchSize(), overlayIds, overlayDir,
          photos ? cfg.photos() : null,
          cfg.photos().masksDir() + "/" + models.modelRunId()).withClassNames(cfg.classNames())
          .withFoldMaxClasses(models.foldMaxClasses(cfg));
      String classMapDir = cfg.multiClass().classMapsDir() + "/" + models.modelRunId();
      if (classMaps) {
        scorer.withClassMaps(new ImageScorer.ClassMapOutput(cfg.multiClass().decoder(),
            cfg.data().resize(), classMapDir, cfg.multiClass().testLabels(),
            cfg.classNames()));
      }
      Dataset<Row> scored = toScore.repartition(partitions, col("image_id"))
          .mapPartitions(scorer, Encoders.row(ImageScorer.SCHEMA))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long scoredRows = scored.filter(ok).count();
        long scoredImages = scoredRows / classes;
        Dataset<Row> rejectedInScoring = scored.filter(col("reason").isNotNull());

        // 4. exactly once into the predictions table
        long before = runRows(store, models.modelRunId());
        store.upsert(TableStore.PREDICTIONS, scored.filter(ok)
            .select(lit(models.modelRunId()).as("model_run_id"), col("image_id"),
                col("class_id"), col("rle"), col("pixel_count"), col("max_probability"),
                col("content_hash"), col("source_path"), col("height"), col("width"),
                col("threshold"), col("detector"), col("fallback"),
                lit(identity.id()).as("scoring_id"),
                lit(identity.serialized()).as("scoring_settings"),
                current_timestamp().as("scored_at"), lit(report.runId()).as("job_run_id")),
            KEYS, "t.content_hash <> s.content_hash OR NOT (t.scoring_id <=> s.scoring_id)",
            Map.entry("model_run_id", models.modelRunId()), "model_run_id");
        long after = runRows(store, models.modelRunId());
        // what the table holds, not what was just written: one row per class of every image
        // this job scored, all with this job's scoring identity
        long held = heldRows(store, models.modelRunId(), scored.filter(ok), identity);

        // 5. quarantine: unreadable archives and duplicate ids from the listing, bad images
        Dataset<Row> rejected = manifest.filter(col("reason").isNotNull())
            .select("image_id", "source_path", "content_hash", "reason", "detail")
            .unionByName(rejectedInScoring.select("image_id", "source_path", "content_hash",
                "reason", "detail"))
            .persist(StorageLevel.MEMORY_AND_DISK());
        // by reason in one job; the total is their sum
        Map<String, Long> byReason = Quarantine.byReason(rejected);
        long quarantined = byReason.values().stream().mapToLong(Long::longValue).sum();
        // a bad file is recorded once per content (raw = its hash): a scheduled predict does
        // not add the same rows every run
        Dataset<Row> quarantineRows = Quarantine.rows(rejected, report.runId(), NAME,
            col("source_path"), lit(null), col("image_id"), lit(null),
            org.apache.spark.sql.functions.concat(lit("sha256:"), col("content_hash")));
        long recorded = quarantined == 0 ? 0 : Quarantine.append(store,
            Quarantine.notYetRecorded(store, quarantineRows, NAME));
        report.count("quarantine_rows_added", recorded);
        byReason.forEach((reason, n) -> report.count("quarantined." + reason, n));
        rejected.unpersist();

        // 6. the submission: every readable input image, from the table
        // (images rejected while scoring have no predictions, so the semi-join drops them)
        Dataset<Row> inputIds = manifest.filter(ok).select("image_id");
        Submission.Layout layout = p.submissionLayout();
        SubmissionStats stats = classMaps ? classMapStats(spark, cfg, classMapDir, hadoop, report)
            : photos ? PhotoScores.score(store.read(TableStore.PREDICTIONS)
            .filter(col("model_run_id").equalTo(models.modelRunId()))
            .join(inputIds, TableStore.columns("image_id"), "left_semi"), cfg, hadoop)
            : writeSubmission(store.read(TableStore.PREDICTIONS)
            .filter(col("model_run_id").equalTo(models.modelRunId()))
            .join(inputIds, TableStore.columns("image_id"), "left_semi")
            .select("image_id", "class_id", "rle").orderBy("image_id", "class_id"),
            p.submission(), layout, classes, truth, cfg, hadoop);

        long rescoredSettings = settingsChanged.values().stream().mapToLong(Long::longValue)
            .sum();
        report.count("images_in", imagesIn).count("images_already_scored", already)
            .count("images_scored", scoredImages).count("images_quarantined", quarantined)
            .count("images_rescored_content_changed", contentChanged)
            .count("images_rescored_settings_changed", rescoredSettings)
            .count("prediction_rows_added", after - before)
            .count("submission_images", stats.images());
        report.reconcile("images", imagesIn, JobReport.outcomes("already scored", already,
            "scored", scoredImages, "quarantined", quarantined));
        report.reconcile("prediction rows", scoredRows, JobReport.outcomes(
            "added", after - before, "replaced (content or settings changed)",
            scoredRows - (after - before)));
        report.reconcile("prediction rows held in the table", scoredRows,
            JobReport.outcomes("one per (image, class) with this job's scoring id", held));
        if (contentChanged > 0) {
          report.line("re-scored " + contentChanged + " image(s) whose content changed");
        }
        for (Map.Entry<String, Long> e : settingsChanged.entrySet()) {
          report.line("re-scored " + e.getValue() + " image(s) scored with other settings: "
              + identity.changesFrom(e.getKey()));
        }
        report.line("predictions: table " + store.path(TableStore.PREDICTIONS)
            + " where model_run_id = '" + models.modelRunId() + "'");
        if (classMaps) {
          report.line("class maps (" + (cfg.dataset() == SparksegConfig.DatasetKind.SCENE
              ? "palette colours" : "class indices") + ", each image's size): " + classMapDir);
        } else if (photos) {
          report.line("masks (0/255 PNG per photo and label, photo size): "
              + cfg.photos().masksDir() + "/" + models.modelRunId());
          report.line("photos per outcome: " + stats.perClass());
        } else {
          report.line("submission (" + layout.header() + "): " + p.submission() + ", "
              + stats.images() + " images");
        }
        if (!overlayIds.isEmpty()) {
          report.line("overlays of " + overlayIds.size() + " images: " + overlayDir);
        }
        if (stats.dice() != null && classMaps) {
          report.line(String.format(Locale.ROOT, "mIoU against %s: %.4f (the majority class "
                  + "everywhere scores %.4f)", cfg.multiClass().testLabels(), stats.dice()[0],
              stats.dice()[1]));
        } else if (stats.dice() != null && photos) {
          report.line(String.format(Locale.ROOT, "mean Dice per photo against %s: %.4f (the "
                  + "empty prediction scores %.4f)", cfg.photos().testAnnotations(),
              stats.dice()[0], stats.dice()[1]));
        } else if (stats.dice() != null) {
          report.line(String.format(Locale.ROOT, "Kaggle mean Dice against %s: %.4f (the empty "
              + "submission scores %.4f)", p.truthCsv(), stats.dice()[0], stats.dice()[1]));
          report.line("per class: " + stats.perClass());
        }
        if (models.runDir() != null) {
          // the run report: this predict's figures, its pictures, its confusion matrix
          if (stats.gallery() != null && !stats.gallery().isEmpty()) {
            stats.gallery().save(models.runDir(), manifest, cfg.classNames(), hadoop);
          } else if (!overlayIds.isEmpty()) {
            TestGallery.saveSample(models.runDir(), overlayDir, 4, hadoop);
          }
          io.sparkseg.jobs.report.ReportWriter.savePredict(models.runDir(),
              new io.sparkseg.jobs.report.ReportWriter.PredictRecord(
                  new io.sparkseg.core.report.RunReport.PredictSummary(
                      java.time.Instant.now().toString(), photos ? cfg.photos().images()
                      : p.images(), imagesIn, scoredImages, report.quarantinedByReason(),
                      photos || classMaps ? null : p.submission(),
                      overlayIds.isEmpty() ? null : overlayDir),
                  cfg.classNames(), stats.confusion()), hadoop);
        }
        boolean cardUpdated = false;
        if (stats.dice() != null && models.runDir() != null) {
          String truthFile = classMaps ? cfg.multiClass().testLabels()
              : photos ? cfg.photos().testAnnotations() : p.truthCsv();
          cardUpdated = io.sparkseg.jobs.train.RunCards.update(models.runDir(), hadoop, card ->
              card.withTestScore(new io.sparkseg.core.card.RunCard.TestScore(truthFile,
                  stats.images(), stats.dice()[0], stats.dice()[1],
                  java.time.Instant.now().toString(), classMaps ? "mIoU" : null,
                  combination),
                  java.time.Instant.now().toString()));
          report.line("model card updated with the test score: " + models.runDir() + "/"
              + io.sparkseg.core.card.RunCard.MARKDOWN);
        }
        if (models.runDir() != null) {
          // written once: the card's update above rewrote it with predict's figures saved first
          String html = cardUpdated
              ? new org.apache.hadoop.fs.Path(models.runDir(),
                  io.sparkseg.jobs.report.ReportWriter.HTML).toString()
              : io.sparkseg.jobs.report.ReportWriter.write(models.runDir(), hadoop);
          report.line("run report: " + html);
        }
        report.finish(spark, store, out);
        return new Result(models.modelRunId(), imagesIn, already, scoredImages, quarantined,
            stats.images(), photos || classMaps ? null : p.submission(), stats.dice(),
            report.quarantinedByReason());
      } finally {
        scored.unpersist();
      }
    } finally {
      manifest.unpersist();
    }
  }

  /**
   * Input images (files, archives or a table) with their content hash, de-duplicated by image
   * id (first by source path; the others get a reason) and marked {@code already_scored} when
   * the model run has predictions for the same id and content (their content is dropped).
   */
  static Dataset<Row> manifest(SparkSession spark, SparksegConfig cfg, TableStore store,
      String modelRunId, ScoringIdentity identity, java.util.function.Consumer<String> note) {
    SparksegConfig.Predict p = cfg.predict();
    Dataset<Row> images;
    if (!p.imagesTable().isEmpty()) {
      images = store.read(p.imagesTable()).select(col("image_id"), col("source_path"),
          col("content_hash"), col("content"), lit(null).cast("string").as("reason"),
          lit(null).cast("string").as("detail"));
    } else {
      if (!p.images().matches(".*[*?\\[{].*")) {
        Inputs.requireExists(spark, "sparkseg.predict.images", p.images(), true);
      }
      Dataset<Row> files = binaryFiles(spark, p.images(), p.imageGlob());
      String archives = "*.{zip,tar,tar.gz,tgz}";
      if (!p.imageGlob().equals("*")) {
        files = files.unionByName(binaryFiles(spark, p.images(), archives))
            .dropDuplicates("path");
      }
      // names starting with _ or . that Spark's listing skips: read too, so they are counted
      java.util.Set<String> hidden = new java.util.TreeSet<>(io.sparkseg.jobs.io.UnlistedFiles.list(
          spark.sparkContext().hadoopConfiguration(), p.images(), p.imageGlob()));
      if (!p.imageGlob().equals("*")) {
        hidden.addAll(io.sparkseg.jobs.io.UnlistedFiles.list(
            spark.sparkContext().hadoopConfiguration(), p.images(), archives));
      }
      if (!hidden.isEmpty()) {
        files = files.unionByName(spark.createDataset(new ArrayList<>(hidden), Encoders.STRING())
            .toDF("path").withColumn("length", lit(null).cast("long")));
      }
      files = ArchiveSlices.spread(spark, files, p.archiveSliceBytes(), note);
      // the listing only (binaryFile opens no file unless content is selected); ImageFiles
      // reads each file itself
      images = files.flatMap(new ImageFiles(p.imageGlob(),
          spark.sparkContext().hadoopConfiguration(), p.archiveEntryMaxBytes()),
          Encoders.row(ImageFiles.SCHEMA));
    }
    boolean paths = cfg.dataset().multiClass();
    if (paths && p.imagesTable().isEmpty()) {
      // multi-class outputs mirror the input folders: the id is <sequence>/<frame>
      String root = p.images();
      org.apache.spark.sql.expressions.UserDefinedFunction rel = org.apache.spark.sql.functions
          .udf((org.apache.spark.sql.api.java.UDF1<String, String>) sp -> ImageFiles
              .relativeId(sp, root), org.apache.spark.sql.types.DataTypes.StringType);
      images = images.withColumn("image_id", rel.apply(col("source_path")));
    }
    // ids the outputs cannot carry, then duplicate ids: the first readable file is kept
    images = Quarantine.markDuplicateImageIds(Quarantine.markUnreadableDuplicates(
        Quarantine.markBadImageIds(images, paths)));
    boolean delta = store.format() == TableFormat.DELTA;
    if (!store.exists(TableStore.PREDICTIONS)) {
      return images.withColumn("already_scored", lit(false))
          .withColumn("rescore", lit(null).cast("string"))
          .withColumn("previous_settings", lit(null).cast("string"));
    }
    // per image of the run: its content hash and scoring identity (rows scored before the
    // identity was recorded have none)
    Dataset<Row> table = store.read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(modelRunId));
    List<String> columns = Arrays.asList(table.columns());
    Column scoringId = columns.contains("scoring_id") ? col("scoring_id")
        : lit(null).cast("string");
    Column scoringSettings = columns.contains("scoring_settings") ? col("scoring_settings")
        : lit(null).cast("string");
    Dataset<Row> perImage = table.select(col("image_id").as("_done_id"),
            col("content_hash").as("_done_hash"), scoringId.as("_done_scoring"))
        .groupBy("_done_id").agg(
            org.apache.spark.sql.functions.min("_done_hash").as("_done_hash"),
            org.apache.spark.sql.functions.min("_done_scoring").as("_done_scoring"),
            org.apache.spark.sql.functions.countDistinct(col("_done_hash"),
                org.apache.spark.sql.functions.coalesce(col("_done_scoring"), lit("")))
                .as("_done_versions"));
    // Taken to the driver (as the broadcast join would anyway) and joined from there: the
    // manifest, and so the scored rows computed from it, must not refer to the predictions
    // table, which the MERGE rewrites (Spark drops cached data that reads a path written to,
    // and recomputing it against the new table would see everything scored).
    Dataset<Row> done = spark.createDataFrame(perImage.collectAsList(), perImage.schema());
    List<Row> settingsById = table.select(scoringId.as("_done_scoring"),
        scoringSettings.as("_done_settings")).distinct().collectAsList();
    Dataset<Row> settings = spark.createDataFrame(settingsById, new org.apache.spark.sql.types
        .StructType().add("_s_id", "string").add("_done_settings", "string"));
    done = done.join(broadcast(settings), col("_done_scoring").eqNullSafe(col("_s_id")), "left")
        .drop("_s_id");
    Dataset<Row> joined = images.join(broadcast(done),
        col("image_id").equalTo(col("_done_id")), "left");
    Column known = col("_done_id").isNotNull();
    // null-safe throughout: an unmatched image is simply not scored yet
    Column sameContent = col("content_hash").eqNullSafe(col("_done_hash"))
        .and(col("_done_versions").eqNullSafe(lit(1L)));
    Column sameSettings = col("_done_scoring").eqNullSafe(lit(identity.id()));
    Dataset<Row> marked;
    if (delta) {
      // Delta re-scores an image whose content or scoring identity changed (the MERGE
      // replaces its rows)
      marked = joined
          .withColumn("already_scored", known.and(sameContent).and(sameSettings))
          .withColumn("rescore", when(known.and(not(sameContent)), lit(RESCORE_CONTENT))
              .when(known.and(not(sameSettings)), lit(RESCORE_SETTINGS)))
          .withColumn("previous_settings", when(col("rescore").equalTo(RESCORE_SETTINGS),
              col("_done_settings")));
    } else {
      // Parquet cannot replace rows: an id once scored stays scored, so scoring it with other
      // settings into the same run is refused (a new run id keeps both)
      marked = joined.withColumn("already_scored", known)
          .withColumn("rescore", lit(null).cast("string"))
          .withColumn("previous_settings", lit(null).cast("string"));
      List<Row> other = marked.filter(known.and(col("_done_scoring").isNotNull())
              .and(not(sameSettings))).select("_done_settings").distinct().limit(3)
          .collectAsList();
      if (!other.isEmpty()) {
        long n = marked.filter(known.and(col("_done_scoring").isNotNull())
            .and(not(sameSettings))).count();
        throw new IllegalArgumentException("predict run " + modelRunId + ": " + n
            + " image(s) were scored with other settings ("
            + identity.changesFrom(other.get(0).getString(0)) + "), and a Parquet "
            + "predictions table cannot replace rows: score into a new run id "
            + "(--run-id/predict.run-id with predict.model) or use Delta (tables.format)");
      }
    }
    return marked.withColumn("content", when(col("already_scored"), lit(null))
            .otherwise(col("content")))
        .drop("_done_id", "_done_hash", "_done_scoring", "_done_settings", "_done_versions")
        .dropDuplicates("image_id", "source_path");
  }

  /** The manifest's figures, from one grouped pass (each separate count would be a job). */
  record ManifestCounts(long images, long already, long contentChanged,
      Map<String, Long> settingsChanged) {
    static ManifestCounts of(Dataset<Row> manifest, Column ok) {
      long images = 0;
      long already = 0;
      long content = 0;
      // by previous settings (may be null), in a fixed order for the report's lines
      Map<String, Long> settings = new java.util.TreeMap<>(
          java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
      for (Row r : manifest.groupBy(ok.as("ok"), col("already_scored"), col("rescore"),
          col("previous_settings")).count().collectAsList()) {
        long n = r.getLong(4);
        images += n;
        if (!r.getBoolean(0)) {
          continue;
        }
        if (!r.isNullAt(1) && r.getBoolean(1)) {
          already += n;
        }
        if (RESCORE_CONTENT.equals(r.getString(2))) {
          content += n;
        } else if (RESCORE_SETTINGS.equals(r.getString(2))) {
          settings.merge(r.getString(3), n, Long::sum);
        }
      }
      return new ManifestCounts(images, already, content, settings);
    }
  }

  static final String RESCORE_CONTENT = "content changed";
  static final String RESCORE_SETTINGS = "settings changed";

  /**
   * Rows the table holds for the images just scored that carry this job's scoring identity,
   * one per (image, class): duplicated keys count against it (a concurrent writer that
   * bypassed the MERGE), as do rows another job wrote with other settings.
   */
  private static long heldRows(TableStore store, String modelRunId, Dataset<Row> scored,
      ScoringIdentity identity) {
    Dataset<Row> held = store.read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(modelRunId))
        .join(scored.select("image_id").distinct(), TableStore.columns("image_id"), "left_semi");
    // per (image, class): its rows and whether one carries this identity; then one sum
    Row r = held.groupBy("image_id", "class_id").agg(
            org.apache.spark.sql.functions.count(lit(1)).as("n"),
            org.apache.spark.sql.functions.max(when(col("scoring_id").equalTo(identity.id()),
                1L).otherwise(0L)).as("current"))
        .agg(org.apache.spark.sql.functions.sum("n"), org.apache.spark.sql.functions.count(
            lit(1)), org.apache.spark.sql.functions.sum("current"))
        .first();
    long rows = r.isNullAt(0) ? 0 : r.getLong(0);
    long keys = r.getLong(1);
    long current = r.isNullAt(2) ? 0 : r.getLong(2);
    return current - (rows - keys);
  }

  private static Dataset<Row> binaryFiles(SparkSession spark, String location, String glob) {
    return spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .option("pathGlobFilter", glob).load(location).select("path", "length");
  }

  private static long runRows(TableStore store, String modelRunId) {
    return store.exists(TableStore.PREDICTIONS) ? store.read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(modelRunId)).count() : 0L;
  }

  /** The run's fold models, or the single configured model. */
  static Models resolveModels(SparksegConfig cfg, Configuration hadoop) {
    SparksegConfig.Predict p = cfg.predict();
    try {
      if (!p.model().isEmpty()) {
        Path m = new Path(p.model());
        if (!m.getFileSystem(hadoop).exists(m)) {
          throw new IllegalArgumentException("sparkseg.predict.model: file not found: " + m);
        }
        String id = p.runId().isEmpty()
            ? "model-" + ContentHash.sha256(p.model().getBytes(StandardCharsets.UTF_8))
                .substring(0, 12)
            : p.runId();
        if (io.sparkseg.core.export.OnnxSegmentationModel.isOnnx(p.model())) {
          return new Models(id, List.of(p.model()), null, onnxDescription(p.model(), hadoop));
        }
        return new Models(id, List.of(p.model()), null);
      }
      String runs = cfg.workDir() + "/runs";
      String runId = p.runId().isEmpty() ? latestRun(runs, hadoop) : p.runId();
      String runDir = runs + "/" + runId;
      Path dir = new Path(runDir);
      FileSystem fs = dir.getFileSystem(hadoop);
      FileStatus[] found = fs.globStatus(new Path(dir, "fold-*/best.safetensors"));
      if (found == null || found.length == 0) {
        throw new IllegalArgumentException("run " + runId + " has no trained fold models ("
            + runDir + "/fold-*/best.safetensors); train it first");
      }
      List<String> files = Arrays.stream(found).map(s -> s.getPath().toString()).sorted()
          .toList();
      return new Models(runId, files, runDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the models: " + e.getMessage(), e);
    }
  }

  /** The newest run folder under {@code runs} with a summary.json. */
  public static String latestRun(String runs, Configuration hadoop) throws IOException {
    Path dir = new Path(runs);
    FileSystem fs = dir.getFileSystem(hadoop);
    FileStatus[] summaries = fs.exists(dir)
        ? fs.globStatus(new Path(dir, "*/summary.json")) : new FileStatus[0];
    if (summaries == null || summaries.length == 0) {
      throw new IllegalArgumentException("no finished training run under " + runs
          + "; run train first, or name one with --run-id or a model with --conf predict.model");
    }
    FileStatus newest = Arrays.stream(summaries)
        .max((a, b) -> Long.compare(a.getModificationTime(), b.getModificationTime())).get();
    return newest.getPath().getParent().getName();
  }

  private static ModelCard card(String modelFile, Configuration hadoop) {
    try {
      return ModelCache.readCard(modelFile, hadoop);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The post-processing predict applies to run {@code runId}'s ensemble (export uses it). */
  public static PostProcessor postProcessor(SparksegConfig cfg, String runId, String runDir,
      Configuration hadoop, PrintStream out) {
    return postProcessor(cfg, new Models(runId, List.of(), runDir), hadoop, out);
  }

  /** Tuned rules (when the run has them), then the config's per-class overrides. */
  static PostProcessor postProcessor(SparksegConfig cfg, Models models, Configuration hadoop,
      PrintStream out) {
    SparksegConfig.Predict p = cfg.predict();
    int classes = cfg.data().classes();
    List<ClassRule> rules = new ArrayList<>(java.util.Collections.nCopies(classes,
        ClassRule.DEFAULT));
    if (models.onnx() != null) {
      rules = new ArrayList<>(models.onnx().postProcessor().rules());
      out.println("post-processing from the ONNX model's description ("
          + models.onnx().postProcessingSource() + ")");
    } else if (models.runDir() != null && cfg.train().softmax()) {
      out.println("softmax models: class maps are the argmax of the probabilities");
    } else if (models.runDir() != null) {
      Path tuned = new Path(models.runDir(), Tuning.FILE);
      try {
        FileSystem fs = tuned.getFileSystem(hadoop);
        if (fs.exists(tuned)) {
          try (InputStream in = fs.open(tuned)) {
            Tuning t = Tuning.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                tuned.toString());
            if (t.classes().size() != classes) {
              throw new IllegalArgumentException(tuned + " has " + t.classes().size()
                  + " classes, sparkseg.data.classes = " + classes);
            }
            rules = new ArrayList<>(t.postProcessor().rules());
            out.println("post-processing tuned on the run's out-of-fold predictions: " + tuned);
          }
        } else {
          out.println("no " + tuned + " (run tune): threshold 0.5, no minimum area");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + tuned + ": " + e.getMessage(), e);
      }
    }
    for (int c = 0; c < classes; c++) {
      ClassRule r = rules.get(c);
      rules.set(c, new ClassRule(
          p.thresholds().isEmpty() ? r.threshold() : p.thresholds().get(c),
          p.minAreas().isEmpty() ? r.minArea() : p.minAreas().get(c),
          p.maxAreas().isEmpty() ? r.maxArea() : p.maxAreas().get(c),
          p.gate().isEmpty() ? r.minMaxProbability() : p.gate().get(c)));
    }
    return new PostProcessor(rules);
  }

  private static String describe(PostProcessor post, boolean argmax) {
    if (argmax) {
      return "class maps by argmax";
    }
    StringBuilder sb = new StringBuilder("per class (threshold, min area, max area, gate):");
    for (int c = 0; c < post.classes(); c++) {
      ClassRule r = post.rules().get(c);
      sb.append(String.format(Locale.ROOT, " %d=(%.2f, %d, %s, %.2f)", c + 1, r.threshold(),
          r.minArea(), ClassRule.maxAreaText(r.maxArea()), r.minMaxProbability()));
    }
    return sb.toString();
  }

  /** The truth file's RLEs by image id, or null when none is configured. */
  static Map<String, String[]> truth(SparksegConfig cfg, Configuration hadoop) {
    String file = cfg.predict().truthCsv();
    if (file.isEmpty()) {
      return null;
    }
    Path p = new Path(file);
    try (InputStream in = p.getFileSystem(hadoop).open(p)) {
      List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .toList();
      return Submission.readRles(lines, file, cfg.data().classes());
    } catch (IOException e) {
      throw new IllegalArgumentException("sparkseg.predict.truth-csv: " + e.getMessage(), e);
    }
  }

  /**
   * What the submission or class maps came to: images, the score and its baseline (null without
   * truth), per-class figures, and for the run report the class maps' confusion counts and the
   * test images picked for its gallery (each null where it does not apply).
   */
  record SubmissionStats(long images, double[] dice, String perClass, long[][] confusion,
      TestGallery gallery) {
    SubmissionStats(long images, double[] dice, String perClass) {
      this(images, dice, perClass, null, null);
    }
  }

  /**
   * Multi-class families: the class maps written for this run, scored against
   * {@code dataset.test-labels} when set (mIoU and the majority-class baseline in
   * {@code dice}); the per-class table goes to the report, the matrix to confusion.csv.
   */
  private static SubmissionStats classMapStats(SparkSession spark, SparksegConfig cfg,
      String classMapDir, Configuration hadoop, JobReport report) {
    long maps = Inputs.exists(spark, classMapDir)
        ? Inputs.listFiles(spark, classMapDir, "*.png").size() : 0;
    String truth = cfg.multiClass().testLabels();
    if (truth.isEmpty()) {
      return new SubmissionStats(maps, null, null);
    }
    if (!Inputs.exists(spark, truth)) {
      // the presets point at <data>/test/Labels, which a user's folder may not have
      report.line("no test labels at " + truth + " (sparkseg.dataset.test-labels): the class "
          + "maps are not scored");
      return new SubmissionStats(maps, null, null);
    }
    io.sparkseg.jobs.evaluate.ClassMapEvaluation.Result r =
        io.sparkseg.jobs.evaluate.ClassMapEvaluation.run(spark, cfg.multiClass().decoder(),
            classMapDir, truth);
    io.sparkseg.jobs.evaluate.ClassMapEvaluation.report(r, cfg.classNames(),
        classMapDir + "/confusion.csv", hadoop).forEach(report::line);
    long[][] counts = new long[cfg.classNames().size()][cfg.classNames().size()];
    for (int t = 0; t < counts.length; t++) {
      for (int q = 0; q < counts.length; q++) {
        counts[t][q] = r.confusion().count(t, q);
      }
    }
    return new SubmissionStats(maps, r.scored() == 0 ? null : r.miouAndBaseline(), null,
        r.scored() == 0 ? null : counts, null);
  }

  /**
   * Streams the sorted (image_id, class_id, rle) rows to one CSV file, checking that each image
   * has exactly one row per class, and scores them against the truth when there is one.
   */
  private static SubmissionStats writeSubmission(Dataset<Row> rows, String file,
      Submission.Layout layout, int classes, Map<String, String[]> truth, SparksegConfig cfg,
      Configuration hadoop) {
    SegmentationMetrics metrics = truth == null ? null : new SegmentationMetrics(classes);
    SegmentationMetrics empty = truth == null ? null : new SegmentationMetrics(classes);
    TestGallery gallery = truth == null ? null : new TestGallery();
    Path p = new Path(file);
    long[] written = {0};
    try {
      io.sparkseg.jobs.io.OutputFiles.replaceAtomically(p, hadoop, stream -> {
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(stream,
            StandardCharsets.UTF_8));
        written[0] = writeRows(rows, out, file, layout, classes, truth, cfg, metrics, empty,
            gallery);
        out.flush();
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the submission " + file + ": "
          + e.getMessage(), e);
    }
    long images = written[0];
    if (metrics == null || images == 0) {
      return new SubmissionStats(images, null, null);
    }
    Map<String, Double> m = metrics.asMap();
    Map<String, String> perClass = new LinkedHashMap<>();
    for (int c = 1; c <= classes; c++) {
      perClass.put("class" + c, String.format(Locale.ROOT, "%.4f", m.get("dice." + c)));
    }
    return new SubmissionStats(images, new double[] {m.get("dice.mean"),
        empty.asMap().get("dice.mean")}, perClass.toString(), null, gallery);
  }

  /** Test hook: runs after each image's rows are written (a test fails the write part-way). */
  static java.util.function.Consumer<String> afterSubmissionImage = id -> { };

  private static long writeRows(Dataset<Row> rows, BufferedWriter out, String file,
      Submission.Layout layout, int classes, Map<String, String[]> truth, SparksegConfig cfg,
      SegmentationMetrics metrics, SegmentationMetrics empty, TestGallery gallery)
      throws IOException {
    int h = cfg.data().imageHeight();
    int w = cfg.data().imageWidth();
    long images = 0;
    Iterator<Row> it = rows.toLocalIterator();
    Row pending = it.hasNext() ? it.next() : null;
    Submission.writeHeader(out, layout);
    while (pending != null) {
      String id = pending.getString(0);
      String[] rles = new String[classes];
      while (pending != null && pending.getString(0).equals(id)) {
        int c = pending.getInt(1);
        if (c < 1 || c > classes || rles[c - 1] != null) {
          throw new IllegalStateException("predictions for " + id + " have class " + c
              + " twice or out of range");
        }
        rles[c - 1] = pending.getString(2);
        pending = it.hasNext() ? it.next() : null;
      }
      if (Arrays.stream(rles).anyMatch(java.util.Objects::isNull)) {
        throw new IllegalStateException("predictions for " + id + " lack a class: "
            + Arrays.toString(rles));
      }
      Submission.writeImage(out, layout, id, rles);
      images++;
      afterSubmissionImage.accept(id);
      if (metrics != null) {
        String[] t = truth.getOrDefault(id, new String[classes]);
        BinaryMask[] pm = Submission.decode(rles, h, w, file + " image " + id);
        BinaryMask[] tm = Submission.decode(t, h, w, cfg.predict().truthCsv() + " image " + id);
        BinaryMask none = new BinaryMask(h, w);
        for (int c = 0; c < classes; c++) {
          BinaryMask tc = tm[c] == null ? none : tm[c];
          metrics.add(c, pm[c] == null ? none : pm[c], tc);
          empty.add(c, none, tc);
        }
        gallery.offer(id, pm, tm);
      }
    }
    return images;
  }
}
