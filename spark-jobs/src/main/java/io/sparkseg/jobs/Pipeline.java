package io.sparkseg.jobs;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.jobs.folds.FoldsJob;
import io.sparkseg.jobs.ingest.IngestJob;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.predict.PredictJob;
import io.sparkseg.jobs.tiles.TileJob;
import io.sparkseg.jobs.train.TrainJob;
import io.sparkseg.jobs.tune.TuneJob;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The steps of {@code run}, in order; also used by the tests. */
public final class Pipeline {
  private static final String DEMO_MARKER = ".sparkseg-demo";

  private Pipeline() {}

  /** ingest (smart-crop for person photos) → folds → tile. */
  public static List<JobReport> etl(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    List<JobReport> reports = new ArrayList<>();
    reports.add(cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS
        ? io.sparkseg.jobs.crop.SmartCropJob.run(spark, cfg, out)
        : IngestJob.run(spark, cfg, out)); // multi-class families: SampleIngestJob
    reports.add(FoldsJob.run(spark, cfg, out));
    reports.add(TileJob.run(spark, cfg, out));
    return reports;
  }

  /** What {@code run} produced. */
  public record RunResult(List<JobReport> etl, TrainJob.Summary training,
      io.sparkseg.core.infer.Tuning tuning, PredictJob.Result prediction) {}

  /**
   * The whole pipeline: ingest → folds → tile → train → tune → predict, with the trained run's
   * id handed from step to step; prints where everything went.
   */
  public static RunResult run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    long t0 = System.nanoTime();
    List<JobReport> etl = etl(spark, cfg, out);
    TrainJob.Summary training = TrainJob.run(spark, cfg, out);
    io.sparkseg.core.infer.Tuning tuning = TuneJob.run(spark, cfg, training.runId(), out);
    SparksegConfig withRun = cfg.withPredictRunId(training.runId());
    PredictJob.Result prediction = PredictJob.run(spark, withRun, out);
    printOutputs(withRun, out);
    out.printf(java.util.Locale.ROOT, "   %-11s %s%n", "run", training.runDir()
        + " (fold models, summary.json" + (tuning == null ? ""
            : ", " + io.sparkseg.core.infer.Tuning.FILE) + ")");
    if (prediction.submission() != null) {
      out.printf(java.util.Locale.ROOT, "   %-11s %s%n", "submission", prediction.submission());
    } else if (withRun.dataset().multiClass()) {
      out.printf(java.util.Locale.ROOT, "   %-11s %s%n", "class maps",
          withRun.multiClass().classMapsDir() + "/" + training.runId());
    } else {
      out.printf(java.util.Locale.ROOT, "   %-11s %s%n", "masks",
          withRun.photos().masksDir() + "/" + training.runId());
    }
    if (withRun.predict().overlays() > 0) {
      out.printf(java.util.Locale.ROOT, "   %-11s %s%n", "overlays",
          withRun.predict().overlaysDir() + "/" + training.runId());
    }
    if (prediction.diceAndBaseline() != null && withRun.dataset().multiClass()) {
      out.printf(java.util.Locale.ROOT, "test images: mIoU %.4f (majority class everywhere "
          + "%.4f)%n", prediction.diceAndBaseline()[0], prediction.diceAndBaseline()[1]);
    } else if (prediction.diceAndBaseline() != null && prediction.submission() == null) {
      out.printf(java.util.Locale.ROOT, "test photos: mean Dice %.4f (empty prediction %.4f)%n",
          prediction.diceAndBaseline()[0], prediction.diceAndBaseline()[1]);
    } else if (prediction.diceAndBaseline() != null) {
      out.printf(java.util.Locale.ROOT, "test-set Kaggle mean Dice %.4f (empty submission "
          + "%.4f)%n", prediction.diceAndBaseline()[0], prediction.diceAndBaseline()[1]);
    }
    List<java.util.Map<String, Long>> quarantined = new ArrayList<>();
    etl.forEach(r -> quarantined.add(r.quarantinedByReason()));
    quarantined.add(prediction.quarantinedByReason());
    out.println(JobReport.quarantineSummary(quarantined));
    out.printf(java.util.Locale.ROOT, "run finished in %.1f min%n",
        (System.nanoTime() - t0) / 60e9);
    out.println("report: " + training.runDir() + "/" + io.sparkseg.jobs.report.ReportWriter.HTML
        + " (open it in a browser)");
    return new RunResult(etl, training, tuning, prediction);
  }

  /**
   * Writes the demo data set to {@code sparkseg.data.dir} unless the same settings already
   * produced it there (a marker file records them). Returns true when files were written.
   */
  public static boolean generateDemo(SparksegConfig cfg, PrintStream out) {
    if (cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS) {
      return generatePhotoDemo(cfg, out);
    }
    if (cfg.dataset() == SparksegConfig.DatasetKind.SCENE) {
      return generateSceneDemo(cfg, out);
    }
    if (cfg.dataset().multiClass()) {
      throw new IllegalArgumentException("generate-demo makes Severstal, person-photo and scene "
          + "demo data; for dataset.kind " + cfg.dataset().code() + " point --data at a folder "
          + "of your own");
    }
    Path root = localPath("sparkseg.data.dir", cfg.data().dir());
    DemoDataset spec = cfg.demoDataset();
    Path marker = root.resolve(DEMO_MARKER);
    try {
      if (Files.isRegularFile(marker)
          && Files.readString(marker, StandardCharsets.UTF_8).equals(spec.toString())) {
        out.println("demo data already at " + root + " (" + spec + ")");
        return false;
      }
      long t0 = System.nanoTime();
      DemoDataGenerator.Summary s = new DemoDataGenerator(spec).writeKaggleLayout(root);
      Files.writeString(marker, spec.toString(), StandardCharsets.UTF_8);
      out.printf("generated demo data at %s: %d train + %d test images of %dx%d, %d train.csv "
              + "rows (images per class 1..4: %d, %d, %d, %d) in %.1f s%n", root,
          s.trainImages(), s.testImages(), spec.height(), spec.width(), s.trainCsvRows(),
          s.trainImagesPerClass()[0], s.trainImagesPerClass()[1], s.trainImagesPerClass()[2],
          s.trainImagesPerClass()[3], (System.nanoTime() - t0) / 1e9);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo data to " + root + ": " + e.getMessage(), e);
    }
  }

  /** The person-photo demo (see {@link io.sparkseg.core.demo.DevicePhotoGenerator}). */
  static boolean generatePhotoDemo(SparksegConfig cfg, PrintStream out) {
    SparksegConfig.Photos p = cfg.photos();
    Path root = localPath("sparkseg.data.dir", cfg.data().dir());
    Path base = p.demoBase().isEmpty() ? null : Path.of(p.demoBase());
    boolean real = base != null && Files.isDirectory(base);
    String spec = "person-photos " + p.demoTrainPhotos() + " + " + p.demoTestPhotos()
        + " seed " + cfg.demo().seed() + " base " + (real ? base : "drawn");
    Path marker = root.resolve(DEMO_MARKER);
    try {
      if (Files.isRegularFile(marker)
          && Files.readString(marker, StandardCharsets.UTF_8).equals(spec)) {
        out.println("demo photos already at " + root + " (" + spec + ")");
        return false;
      }
      long t0 = System.nanoTime();
      io.sparkseg.core.demo.DevicePhotoGenerator.Summary s =
          new io.sparkseg.core.demo.DevicePhotoGenerator(p.demoTrainPhotos(),
              p.demoTestPhotos(), cfg.demo().seed(), real ? base : null).write(root);
      Files.writeString(marker, spec, StandardCharsets.UTF_8);
      out.printf(java.util.Locale.ROOT, "generated demo photos at %s: %d train + %d test, %d "
              + "with a patch, composed from %s in %.1f s%n", root, s.trainPhotos(),
          s.testPhotos(), s.withPatch(), s.bases().isEmpty()
              ? "drawn figures (photos.demo-base " + (base == null ? "not set" : base
                  + " not found") + ")" : s.bases(), (System.nanoTime() - t0) / 1e9);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo photos to " + root + ": "
          + e.getMessage(), e);
    }
  }

  /** The scene demo (see {@link io.sparkseg.core.demo.SceneDemoGenerator}). */
  static boolean generateSceneDemo(SparksegConfig cfg, PrintStream out) {
    SparksegConfig.SceneDemo d = cfg.sceneDemo();
    Path root = localPath("sparkseg.data.dir", cfg.data().dir());
    String spec = "scene " + d + " " + cfg.data().imageHeight() + "x" + cfg.data().imageWidth()
        + " seed " + cfg.demo().seed();
    Path marker = root.resolve(DEMO_MARKER);
    try {
      if (Files.isRegularFile(marker)
          && Files.readString(marker, StandardCharsets.UTF_8).equals(spec)) {
        out.println("demo scenes already at " + root + " (" + spec + ")");
        return false;
      }
      long t0 = System.nanoTime();
      io.sparkseg.core.demo.SceneDemoGenerator.Summary s =
          new io.sparkseg.core.demo.SceneDemoGenerator(d.trainSequences(), d.testSequences(),
              d.frames(), cfg.data().imageHeight(), cfg.data().imageWidth(), cfg.demo().seed())
              .write(root);
      Files.writeString(marker, spec, StandardCharsets.UTF_8);
      out.printf(java.util.Locale.ROOT, "generated demo scenes at %s: %d train frames in %d "
              + "sequences (Images/, Labels/) + %d test frames in %d (test/Images, test/Labels), "
              + "%dx%d, CARLA palette, in %.1f s%n", root, s.trainFrames(), d.trainSequences(),
          s.testFrames(), d.testSequences(), cfg.data().imageHeight(), cfg.data().imageWidth(),
          (System.nanoTime() - t0) / 1e9);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo scenes to " + root + ": "
          + e.getMessage(), e);
    }
  }

  /** A local path from a setting; URIs other than file: are rejected with the setting's name. */
  static Path localPath(String key, String location) {
    if (location.startsWith("file:")) {
      return Path.of(URI.create(location));
    }
    if (location.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(key + ": demo data is generated on the local disk, not "
          + location + "; generate it locally and copy it (e.g. hadoop fs -put)");
    }
    return Path.of(location);
  }

  /** Where each table went. */
  public static void printOutputs(SparksegConfig cfg, PrintStream out) {
    out.println("outputs (" + cfg.tables().format().sourceName() + "):");
    List<String> first = cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS
        ? List.of(TableStore.CROPS) : cfg.dataset().multiClass() ? List.of(TableStore.SAMPLES)
        : List.of(TableStore.IMAGES, TableStore.MASKS);
    for (String t : first) {
      out.printf("   %-11s %s%n", t, cfg.tables().path(t));
    }
    for (String t : List.of(TableStore.FOLDS, TableStore.TILES, TableStore.OOF,
        TableStore.PREDICTIONS, TableStore.QUARANTINE, TableStore.JOB_RUNS)) {
      out.printf("   %-11s %s%n", t, cfg.tables().path(t));
    }
  }
}
