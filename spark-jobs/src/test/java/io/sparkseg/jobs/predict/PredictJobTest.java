package io.sparkseg.jobs.predict;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The predict job in local mode with untrained fold models (what is tested here is the
 * plumbing, not the model): exactly-once and incremental scoring, failures, the submission
 * format, overlays, archives and quarantine.
 */
class PredictJobTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @AfterEach
  void resetHook() {
    ImageScorer.beforeScoring = id -> { };
    PredictJob.afterSubmissionImage = id -> { };
  }

  private static SparksegConfig config(Path work, String runId, Map<String, String> extra) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("demo.test-images", "6");
    o.put("predict.run-id", runId);
    o.put("predict.overlays", "2");
    o.putAll(extra);
    return SparkTestSupport.config(work, o);
  }

  private static SparksegConfig prepare(Path work, String runId, Map<String, String> extra)
      throws Exception {
    SparksegConfig cfg = config(work, runId, extra);
    Pipeline.generateDemo(cfg, QUIET);
    PredictFixtures.writeRun(work, runId, 2);
    return cfg;
  }

  private static List<Row> predictions(SparkSession spark, SparksegConfig cfg, String runId) {
    return new TableStore(spark, cfg.tables()).read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(runId)).collectAsList();
  }

  private static void assertNoDuplicates(List<Row> rows) {
    Set<String> keys = rows.stream().map(r -> r.getAs("image_id") + "/" + r.getAs("class_id"))
        .collect(Collectors.toSet());
    assertEquals(rows.size(), keys.size(), "duplicate (image, class) predictions");
  }

  @Test
  void scoresEachImageOnceAndOnlyNewOrChangedImagesOnReRuns(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = prepare(work, "r1", Map.of("predict.truth-csv",
        work.resolve("demo-data/test_truth.csv").toString()));
    SparkSession spark = SparkTestSupport.spark(cfg);
    int loadsBefore = ModelCache.loads();
    PredictJob.Result first = PredictJob.run(spark, cfg, System.out);
    assertEquals(1, ModelCache.loads() - loadsBefore, "the ensemble loads once per JVM");
    assertEquals(6, first.imagesIn());
    assertEquals(6, first.scored());
    assertEquals(0, first.alreadyScored());
    List<Row> rows = predictions(spark, cfg, "r1");
    assertEquals(24, rows.size());
    assertNoDuplicates(rows);
    assertTrue(first.diceAndBaseline() != null && first.diceAndBaseline()[1] > 0);

    // the submission, read independently: 4 rows per image, valid RLE, same as the table
    Path submission = Path.of(cfg.predict().submission());
    Map<String, List<String>> sub = PredictFixtures.readSubmission(submission, 128, 800);
    assertEquals(6, sub.size());
    for (Row r : rows) {
      assertEquals(r.getAs("rle"), sub.get(r.<String>getAs("image_id"))
          .get(r.<Integer>getAs("class_id") - 1));
    }
    byte[] firstSubmission = Files.readAllBytes(submission);

    // overlays of the first 2 images by id, readable: 128x800 enlarged x2 (at least 160 high),
    // a legend strip below
    List<Path> overlays;
    try (var s = Files.list(work.resolve("overlays/r1"))) {
      overlays = s.sorted().toList();
    }
    assertEquals(2, overlays.size());
    Image8 overlay = ImageCodec.decode(Files.readAllBytes(overlays.get(0)));
    assertTrue(overlay.height() > 256 && overlay.height() <= 256 + 40, "" + overlay.height());
    assertEquals(1600, overlay.width());
    assertEquals(3, overlay.channels());

    // a re-run scores nothing and changes nothing
    PredictJob.Result again = PredictJob.run(spark, cfg, QUIET);
    assertEquals(6, again.alreadyScored());
    assertEquals(0, again.scored());
    assertEquals(24, predictions(spark, cfg, "r1").size());
    assertArrayEquals(firstSubmission, Files.readAllBytes(submission));

    // two new images arrive: only they are scored
    Path more = work.resolve("more");
    new DemoDataGenerator(new DemoDataset(0, 2, 128, 800, 0.3, 99)).writeKaggleLayout(more);
    try (var s = Files.list(more.resolve("test_images"))) {
      for (Path p : s.toList()) {
        Files.copy(p, work.resolve("demo-data/test_images").resolve(p.getFileName()));
      }
    }
    PredictJob.Result incremental = PredictJob.run(spark, cfg, QUIET);
    assertEquals(8, incremental.imagesIn());
    assertEquals(6, incremental.alreadyScored());
    assertEquals(2, incremental.scored());
    assertEquals(8, incremental.submissionImages());
    rows = predictions(spark, cfg, "r1");
    assertEquals(32, rows.size());
    assertNoDuplicates(rows);

    // an image whose content changed (same id) is scored again and its rows replaced
    Path changed = sub.keySet().stream().sorted().findFirst()
        .map(id -> work.resolve("demo-data/test_images").resolve(id)).orElseThrow();
    try (var s = Files.list(more.resolve("test_images"))) {
      Files.copy(s.sorted().findFirst().orElseThrow(), changed,
          StandardCopyOption.REPLACE_EXISTING);
    }
    PredictJob.Result replaced = PredictJob.run(spark, cfg, QUIET);
    assertEquals(1, replaced.scored());
    assertEquals(7, replaced.alreadyScored());
    rows = predictions(spark, cfg, "r1");
    assertEquals(32, rows.size());
    assertNoDuplicates(rows);
  }

  @Test
  void aFailedJobWritesNothingAndItsReRunWritesEverythingOnce(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = prepare(work, "r2", Map.of("predict.overlays", "0"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    String victim;
    try (var s = Files.list(work.resolve("demo-data/test_images"))) {
      victim = s.map(p -> p.getFileName().toString()).sorted().toList().get(3);
    }
    ImageScorer.beforeScoring = id -> {
      if (id.equals(victim)) {
        throw new IllegalStateException("simulated executor failure on " + id);
      }
    };
    Exception e = assertThrows(Exception.class, () -> PredictJob.run(spark, cfg, QUIET));
    assertTrue(String.valueOf(e.getMessage()).contains("simulated executor failure"),
        e.getMessage());
    TableStore store = new TableStore(spark, cfg.tables());
    assertEquals(0, store.exists(TableStore.PREDICTIONS) ? predictions(spark, cfg, "r2").size()
        : 0);
    resetHook();
    PredictJob.Result r = PredictJob.run(spark, cfg, QUIET);
    assertEquals(6, r.scored());
    List<Row> rows = predictions(spark, cfg, "r2");
    assertEquals(24, rows.size());
    assertNoDuplicates(rows);
  }

  @Test
  void aRetriedTaskAddsItsRowsExactlyOnce(@TempDir Path work) throws Exception {
    // task retries need local[N, maxFailures]: a session of its own
    SparkSession.active().stop();
    SparksegConfig cfg = prepare(work, "r3", Map.of("predict.overlays", "0",
        "sparkseg.spark.master", "local[2,3]"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    try {
      AtomicInteger failures = new AtomicInteger();
      ImageScorer.beforeScoring = id -> {
        if (failures.get() == 0 && id.equals(firstId(work))) {
          failures.incrementAndGet();
          throw new IllegalStateException("simulated task failure");
        }
      };
      PredictJob.Result r = PredictJob.run(spark, cfg, QUIET);
      assertEquals(1, failures.get(), "one attempt failed and was retried");
      assertEquals(6, r.scored());
      List<Row> rows = predictions(spark, cfg, "r3");
      assertEquals(24, rows.size());
      assertNoDuplicates(rows);
    } finally {
      spark.stop(); // later tests get the usual local[2] session
    }
  }

  private static String firstId(Path work) {
    try (var s = Files.list(work.resolve("demo-data/test_images"))) {
      return s.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String run(SparkSession spark, SparksegConfig cfg) {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    PredictJob.run(spark, cfg, new PrintStream(buf, true));
    return buf.toString();
  }

  private static Set<String> scoringIds(SparkSession spark, SparksegConfig cfg, String runId) {
    return predictions(spark, cfg, runId).stream().map(r -> r.<String>getAs("scoring_id"))
        .collect(Collectors.toSet());
  }

  @Test
  void otherSettingsOrAnotherModelReScoreTheRunAndTheReportSaysWhy(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = prepare(work, "r1", Map.of("predict.flip-tta", "false"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    String first = run(spark, cfg);
    assertTrue(first.contains("images: 6 in = 0 already scored + 6 scored"), first);
    Set<String> ids = scoringIds(spark, cfg, "r1");
    assertEquals(1, ids.size());
    String firstId = ids.iterator().next();
    assertTrue(first.contains("scoring id " + firstId), first);

    // new thresholds: every image is scored again, its rows replaced, and the report says why
    SparksegConfig lower = config(work, "r1", Map.of("predict.flip-tta", "false",
        "predict.thresholds", "[0.3, 0.3, 0.3, 0.3]"));
    String retuned = run(spark, lower);
    assertTrue(retuned.contains("images: 6 in = 0 already scored + 6 scored"), retuned);
    assertTrue(retuned.contains("re-scored 6 image(s) scored with other settings: "
        + "post-processing: 1=(threshold 0.5, min area 0, gate 0.0)"), retuned);
    assertTrue(retuned.contains("-> 1=(threshold 0.3"), retuned);
    List<Row> rows = predictions(spark, lower, "r1");
    assertEquals(24, rows.size());
    assertNoDuplicates(rows);
    Set<String> lowerIds = scoringIds(spark, lower, "r1");
    assertEquals(1, lowerIds.size());
    assertTrue(!lowerIds.contains(firstId), "rows carry the new scoring id");
    assertTrue(rows.get(0).<String>getAs("scoring_settings").contains("threshold 0.3"));
    // the same settings again: nothing to do
    assertTrue(run(spark, lower).contains("images: 6 in = 6 already scored + 0 scored"));

    // flip TTA on
    SparksegConfig tta = config(work, "r1", Map.of("predict.thresholds",
        "[0.3, 0.3, 0.3, 0.3]"));
    String flipped = run(spark, tta);
    assertTrue(flipped.contains("re-scored 6 image(s) scored with other settings: "
        + "flip-tta: false -> true"), flipped);

    // the run re-trained (its model files replaced): scored again
    PredictFixtures.writeRun(work, "r1", 2);
    for (int f = 0; f < 2; f++) {
      Files.setLastModifiedTime(work.resolve("runs/r1/fold-" + f + "/best.safetensors"),
          java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    }
    String retrained = run(spark, tta);
    assertTrue(retrained.contains("images: 6 in = 0 already scored + 6 scored"), retrained);
    assertTrue(retrained.contains("scored with other settings: models: "), retrained);
    assertEquals(24, predictions(spark, tta, "r1").size());

    // the settings go back to the first ones: scored again, back to the first id
    run(spark, cfg);
    assertTrue(!scoringIds(spark, cfg, "r1").contains(firstId),
        "the models changed since, so the id is not the first one");
    assertEquals(1, scoringIds(spark, cfg, "r1").size());
  }

  @Test
  void parquetRefusesToMixSettingsInOneRun(@TempDir Path work) throws Exception {
    SparksegConfig cfg = prepare(work, "r1", Map.of("tables.format", "parquet",
        "predict.flip-tta", "false"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    run(spark, cfg);
    SparksegConfig other = config(work, "r1", Map.of("tables.format", "parquet",
        "predict.flip-tta", "false", "predict.min-areas", "[10, 10, 10, 10]"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(spark, other));
    assertTrue(e.getMessage().contains("6 image(s) were scored with other settings"),
        e.getMessage());
    assertTrue(e.getMessage().contains("min area 10") && e.getMessage().contains("new run id"),
        e.getMessage());
    assertEquals(24, predictions(spark, cfg, "r1").size(), "nothing written");
    // unchanged settings still run incrementally
    assertTrue(run(spark, cfg).contains("images: 6 in = 6 already scored + 0 scored"));
  }

  @Test
  void concurrentPredictsOfTheSameAndOtherRunsAllSucceedExactlyOnce(@TempDir Path work)
      throws Exception {
    SparksegConfig a = prepare(work, "ra", Map.of("predict.flip-tta", "false",
        "predict.overlays", "0"));
    PredictFixtures.writeRun(work, "rb", 2);
    SparksegConfig b = config(work, "rb", Map.of("predict.flip-tta", "false",
        "predict.overlays", "0"));
    SparkSession spark = SparkTestSupport.spark(a);
    // the table exists first, so every writer MERGEs (the first-ever write is an append)
    Path seed = work.resolve("seed");
    new DemoDataGenerator(new DemoDataset(0, 1, 128, 800, 0.3, 7)).writeKaggleLayout(seed);
    run(spark, config(work, "seed-run", Map.of("predict.flip-tta", "false",
        "predict.overlays", "0", "predict.images", seed.resolve("test_images").toString(),
        "predict.model", work.resolve("runs/ra/fold-0/best.safetensors").toString())));

    // two runs and a second predict of the first run, at once
    List<SparksegConfig> jobs = List.of(a, b, a);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(jobs.size());
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<String>> done = new java.util.ArrayList<>();
      for (SparksegConfig c : jobs) {
        done.add(pool.submit(() -> {
          start.await();
          return run(spark, c);
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<String> f : done) {
        String out = f.get(10, java.util.concurrent.TimeUnit.MINUTES);
        assertTrue(out.contains("prediction rows held in the table: 24 in = 24 one per"),
            out);
      }
    } finally {
      pool.shutdownNow();
    }
    for (String runId : List.of("ra", "rb")) {
      List<Row> rows = predictions(spark, a, runId);
      assertEquals(24, rows.size(), runId);
      assertNoDuplicates(rows);
    }
    assertEquals(4, predictions(spark, a, "seed-run").size());
    Map<String, List<String>> sub = PredictFixtures.readSubmission(
        Path.of(a.predict().submission()), 128, 800);
    assertEquals(6, sub.size());
  }

  @Test
  void aSubmissionThatFailsPartWayLeavesThePreviousOneWhole(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = prepare(work, "r1", Map.of("predict.flip-tta", "false",
        "predict.overlays", "0"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    run(spark, cfg);
    Path submission = Path.of(cfg.predict().submission());
    byte[] before = Files.readAllBytes(submission);
    AtomicInteger written = new AtomicInteger();
    PredictJob.afterSubmissionImage = id -> {
      if (written.incrementAndGet() == 3) {
        throw new IllegalStateException("disk full (test)");
      }
    };
    SparksegConfig lower = config(work, "r1", Map.of("predict.flip-tta", "false",
        "predict.overlays", "0", "predict.thresholds", "[0.2, 0.2, 0.2, 0.2]"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> run(spark, lower));
    assertTrue(e.getMessage().contains("disk full"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(submission), "the old submission, whole");
    try (var s = Files.list(submission.getParent())) {
      List<String> left = s.map(p -> p.getFileName().toString())
          .filter(n -> n.contains("inprogress")).toList();
      assertEquals(List.of(), left, "no temporary file is left behind");
    }
    PredictJob.afterSubmissionImage = id -> { };
    run(spark, lower);
    assertEquals(6, PredictFixtures.readSubmission(submission, 128, 800).size());
  }
}
