package io.sparkseg.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.CleanEtl;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The train job in local mode on the clean demo tiles: folds, outputs, re-runs and resume. */
class TrainJobTest {
  private static SparksegConfig config(String runId, int epochs) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("model.encoder", "resnet18");
    o.put("model.decoder-channels", "[32, 16, 16, 8, 8]");
    o.put("train.epochs", String.valueOf(epochs));
    o.put("train.batch-size", "8");
    o.put("train.warmup-epochs", "0");
    o.put("train.augmentation", "flips");
    o.put("train.folds", "[0, 2]");
    o.put("train.run-id", runId);
    return SparkTestSupport.config(Path.of(CleanEtl.config().workDir()), o);
  }

  @Test
  void trainsEachFoldInItsOwnTaskAndWritesTheRun() throws Exception {
    SparksegConfig cfg = config("t1", 1);
    SparkSession spark = SparkTestSupport.spark(cfg);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    TrainJob.Summary s = TrainJob.run(spark, cfg, new PrintStream(printed, true,
        StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    System.out.print(text);

    assertEquals(List.of(0, 2), s.folds().stream().map(FoldResult::fold).toList());
    assertTrue(s.dataVersion().endsWith("/tables/tiles@v0"), s.dataVersion());
    Path run = Path.of(cfg.workDir(), "runs", "t1");
    assertTrue(Files.isRegularFile(run.resolve("summary.json")));
    String curves = Files.readString(run.resolve("curves.svg"));
    assertTrue(curves.startsWith("<svg") && curves.contains("fold 0") && curves.contains("fold 2"),
        curves);
    for (int f : new int[] {0, 2}) {
      Path dir = run.resolve("fold-" + f);
      for (String name : new String[] {"best.safetensors", "best.json", "history.json",
          "checkpoint-0001.safetensors", "result.json", "oof.parquet"}) {
        assertTrue(Files.isRegularFile(dir.resolve(name)), dir.resolve(name) + " missing");
      }
    }
    assertTrue(text.contains("mean Dice over folds:"), text);
    assertTrue(text.contains("folds: 2 in = 2 trained  (reconciled)"), text);
    // the driver printed every epoch of both folds from their histories, once each
    for (int f : new int[] {0, 2}) {
      List<String> lines = text.lines().filter(l -> l.startsWith("train progress: fold " + f
          + " epoch ")).toList();
      List<io.sparkseg.core.train.EpochRecord> history = List.of(new com.google.gson.Gson()
          .fromJson(Files.readString(run.resolve("fold-" + f + "/history.json")),
              io.sparkseg.core.train.EpochRecord[].class));
      assertEquals(history.size(), lines.size(), text);
      for (int e = 0; e < lines.size(); e++) {
        assertTrue(lines.get(e).startsWith("train progress: fold " + f + " epoch " + (e + 1)
            + "/" + cfg.train().options().epochs() + "  loss "), lines.get(e));
        assertTrue(lines.get(e).contains(String.format(java.util.Locale.ROOT, "loss %.4f",
            history.get(e).trainLoss())), lines.get(e));
        assertTrue(lines.get(e).contains(String.format(java.util.Locale.ROOT, "  dice %.4f",
            history.get(e).metrics().get("dice.mean"))), "sigmoid runs show Dice: "
            + lines.get(e));
      }
    }

    // OOF: 4 classes for every validation tile of folds 0 and 2, probabilities decodable
    TableStore store = new TableStore(spark, cfg.tables());
    long validationTiles = store.read(TableStore.TILES).filter(col("fold").isin(0, 2)).count();
    List<Row> oof = store.read(TableStore.OOF).filter(col("run_id").equalTo("t1")).collectAsList();
    assertEquals(validationTiles * 4, oof.size());
    Row first = oof.get(0);
    float[] p = OofWriter.decode(first.getAs("probabilities"), 128 * 256);
    assertEquals(128 * 256, p.length);
    for (float v : p) {
      assertTrue(v >= 0 && v <= 1);
    }
  }

  @Test
  void reRunSkipsFinishedFoldsAndResumesUnfinishedOnes() throws Exception {
    SparkSession spark = SparkTestSupport.spark(config("t2", 1));
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    TrainJob.Summary first = TrainJob.run(spark, config("t2", 1), quiet);
    TrainJob.Summary again = TrainJob.run(spark, config("t2", 1), quiet);
    assertEquals(first.folds(), again.folds(), "finished folds are read back, not retrained");

    // fold 2 "died" after its first epoch: only its checkpoint is left; a longer re-run resumes
    Path fold2 = Path.of(config("t2", 1).workDir(), "runs", "t2", "fold-2");
    Files.delete(fold2.resolve("result.json"));
    TrainJob.Summary resumed = TrainJob.run(spark, config("t2", 2), quiet);
    FoldResult r2 = resumed.folds().get(1);
    assertEquals(2, r2.fold());
    assertEquals(1, r2.resumedFromEpoch(), "resumed at epoch 1 from the checkpoint");
    assertEquals(2, r2.epochsRun());
    assertEquals(first.folds().get(0), resumed.folds().get(0), "fold 0 untouched");
    assertArrayEquals(new long[] {1, 2}, new long[] {first.folds().get(1).epochsRun(),
        r2.epochsRun()});
    // the oof partition of the run is replaced, not appended
    TableStore store = new TableStore(spark, config("t2", 2).tables());
    long validationTiles = store.read(TableStore.TILES).filter(col("fold").isin(0, 2)).count();
    assertEquals(validationTiles * 4,
        store.read(TableStore.OOF).filter(col("run_id").equalTo("t2")).count());
  }

  @Test
  void foldsTrainedBySeparateCallsAllStayInTheRun() throws Exception {
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    Map<String, String> only0 = Map.of("train.folds", "[0]");
    SparksegConfig first = SparkTestSupport.config(Path.of(CleanEtl.config().workDir()),
        merged(config("t3", 1), only0));
    SparkSession spark = SparkTestSupport.spark(first);
    TrainJob.run(spark, first, quiet);
    // fold 2 later, with other settings (2 epochs)
    SparksegConfig second = SparkTestSupport.config(Path.of(CleanEtl.config().workDir()),
        merged(config("t3", 2), Map.of("train.folds", "[2]")));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    TrainJob.Summary s = TrainJob.run(spark, second, new PrintStream(printed, true,
        StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("folds: 1 in = 1 trained"), text);
    assertTrue(text.contains("the run also holds folds trained earlier: [0] (with other "
        + "settings"), text);
    assertEquals(List.of(0, 2), s.folds().stream().map(FoldResult::fold).toList());
    assertTrue(s.folds().get(0).training().contains("epochs=1"), s.folds().get(0).training());
    assertTrue(s.folds().get(1).training().contains("epochs=2"), s.folds().get(1).training());
    assertTrue(s.training().startsWith("differs per fold"), s.training());
    assertTrue(!s.model().startsWith("differs"), "same model: " + s.model());
    String json = Files.readString(Path.of(first.workDir(), "runs", "t3", "summary.json"));
    assertTrue(json.contains("\"fold\": 0") && json.contains("\"fold\": 2"), json);

    // the run's OOF holds both folds' validation tiles
    TableStore store = new TableStore(spark, second.tables());
    long validationTiles = store.read(TableStore.TILES).filter(col("fold").isin(0, 2)).count();
    assertEquals(validationTiles * 4,
        store.read(TableStore.OOF).filter(col("run_id").equalTo("t3")).count());
    assertEquals(java.util.Set.of(0, 2), store.read(TableStore.OOF)
        .filter(col("run_id").equalTo("t3")).select("fold").distinct().collectAsList().stream()
        .map(r -> r.getInt(0)).collect(java.util.stream.Collectors.toSet()));
  }

  /** The settings of {@code base} (as overrides) with {@code extra} on top. */
  private static Map<String, String> merged(SparksegConfig base, Map<String, String> extra) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("model.encoder", "resnet18");
    o.put("model.decoder-channels", "[32, 16, 16, 8, 8]");
    o.put("train.epochs", String.valueOf(base.train().options().epochs()));
    o.put("train.batch-size", "8");
    o.put("train.warmup-epochs", "0");
    o.put("train.augmentation", "flips");
    o.put("train.run-id", base.train().runId());
    o.putAll(extra);
    return o;
  }
}
