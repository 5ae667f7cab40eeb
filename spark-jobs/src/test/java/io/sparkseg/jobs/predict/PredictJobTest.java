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

    // overlays of the first 2 images by id, full size, readable
    List<Path> overlays;
    try (var s = Files.list(work.resolve("overlays/r1"))) {
      overlays = s.sorted().toList();
    }
    assertEquals(2, overlays.size());
    Image8 overlay = ImageCodec.decode(Files.readAllBytes(overlays.get(0)));
    assertEquals(128, overlay.height());
    assertEquals(800, overlay.width());
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
}
