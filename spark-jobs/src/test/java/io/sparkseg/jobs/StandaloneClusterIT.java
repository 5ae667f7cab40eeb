package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.io.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar on a real multi-process Spark standalone cluster: a Master and two
 * Workers started from the dependency jars (SPARK_HOME/jars), {@code run} submitted through
 * {@code submit/sparkseg-submit} and SPARK_HOME/bin/spark-submit, which runs
 * {@code org.apache.spark.deploy.SparkSubmit}; then the tables are checked and every process
 * this test started is stopped.
 */
class StandaloneClusterIT {
  @Test
  void runOnStandaloneCluster(@TempDir Path tmp) throws Exception {
    StandaloneCluster cluster = new StandaloneCluster(tmp, 2, "1200m");
    try {
      Path work = tmp.resolve("work");
      List<String> app = new ArrayList<>(List.of("run", "--work", work.toString()));
      for (String[] kv : new String[][] {{"demo.train-images", "8"}, {"demo.test-images", "1"},
          {"data.image-height", "128"}, {"data.image-width", "800"}, {"tiles.width", "256"},
          {"tiles.stride", "128"}, {"folds.k", "2"}, {"spark.sql.shuffle.partitions", "4"},
          {"model.decoder-channels", "[32, 16, 16, 8, 8]"}, {"train.epochs", "1"},
          {"train.batch-size", "8"}, {"train.run-id", "cluster"}}) {
        app.add("--conf");
        app.add(kv[0] + "=" + kv[1]);
      }
      try (ExternalProcess submit = cluster.submit("sparkseg-submit", List.of(
          "--conf", "spark.executor.memory=900m", "--conf", "spark.executor.cores=1",
          "--conf", "spark.cores.max=2"), app)) {
        int code = submit.waitFor(Duration.ofMinutes(10));
        assertEquals(0, code, "spark-submit failed:\n" + submit.tail());
        String out = submit.output();
        assertTrue(out.contains("tiles: 48 in = 48 written  (reconciled)"), out);
        assertTrue(out.contains("folds: 2 in = 2 trained  (reconciled)"), out);
        assertTrue(out.contains("images: 1 in = 0 already scored + 1 scored + 0 quarantined"),
            out);
        assertTrue(out.contains("outputs (delta):"), out);
      }
      // the executors ran on both workers, not in the driver
      for (Path w : cluster.workerDirs) {
        try (var apps = Files.list(w)) {
          assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")),
              "no executor ran under " + w);
        }
      }
      SparksegConfig cfg = SparkTestSupport.config(work);
      SparkSession spark = SparkTestSupport.spark(cfg);
      TableStore store = new TableStore(spark, cfg.tables());
      assertEquals(8, store.read(TableStore.IMAGES).count());
      assertEquals(8, store.read(TableStore.FOLDS).count());
      assertEquals(48, store.read(TableStore.TILES).count());
      // ingest, folds, tile, train, tune, predict
      assertEquals(6, store.read(TableStore.JOB_RUNS).count());
      assertEquals(4, store.read(TableStore.PREDICTIONS).count());
      assertEquals(1 + 4, Files.readAllLines(work.resolve("submission.csv")).size());
      assertTrue(Files.isRegularFile(work.resolve("runs/cluster/curves.svg")));
      assertTrue(Files.isRegularFile(work.resolve("runs/cluster/MODEL_CARD.md")));

      // the run exported to ONNX here, then scored on the cluster by the scoring-only jar,
      // which has no libtorch (nor DJL's PyTorch engine) at all
      Path scoringJar = Path.of(System.getProperty("sparkseg.scoring.jar",
          "target/sparkseg-scoring.jar"));
      try (var zip = new java.util.zip.ZipFile(scoringJar.toFile())) {
        assertTrue(zip.stream().noneMatch(e -> e.getName().startsWith("pytorch/")
            || e.getName().startsWith("ai/djl/pytorch/")), "libtorch in the scoring jar");
        assertTrue(zip.getEntry("ai/onnxruntime/native/linux-x64/libonnxruntime.so") != null);
      }
      SparksegConfig exportCfg = SparkTestSupport.config(work, Map.of(
          "data.image-height", "128", "data.image-width", "800", "tiles.width", "256",
          "tiles.stride", "128", "model.decoder-channels", "[32, 16, 16, 8, 8]"));
      Path onnx = work.resolve("export/cluster.onnx");
      io.sparkseg.jobs.export.ExportJob.run(exportCfg, new org.apache.hadoop.conf.Configuration(),
          "cluster", null, true, onnx.toString(), System.out);
      // the data and tile settings come in a HOCON file (SPARKSEG_CONF_FILE, client mode: the
      // driver reads it where it is)
      Path conf = tmp.resolve("scoring.conf");
      Files.writeString(conf, "sparkseg.data { image-height = 128, image-width = 800 }\n"
          + "sparkseg.tiles { width = 256, stride = 128 }\n");
      List<String> score = new ArrayList<>(List.of("predict", "--work", work.toString()));
      for (String[] kv : new String[][] {{"spark.sql.shuffle.partitions", "4"},
          {"predict.model", onnx.toString()},
          {"predict.submission", work.resolve("onnx-submission.csv").toString()}}) {
        score.add("--conf");
        score.add(kv[0] + "=" + kv[1]);
      }
      try (ExternalProcess submit = cluster.submit("sparkseg-submit-scoring", scoringJar,
          Map.of("SPARKSEG_CONF_FILE", conf.toString()),
          List.of("--conf", "spark.executor.memory=900m", "--conf", "spark.executor.cores=1",
              "--conf", "spark.cores.max=2"), score)) {
        int code = submit.waitFor(Duration.ofMinutes(5));
        assertEquals(0, code, "spark-submit of the scoring jar failed:\n" + submit.tail());
        String out = submit.output();
        assertTrue(out.contains("ONNX Runtime"), out);
        assertTrue(out.contains("images: 1 in = 0 already scored + 1 scored + 0 quarantined"),
            out);
      }
      assertEquals(8, store.read(TableStore.PREDICTIONS).count());
      assertEquals(Files.readAllLines(work.resolve("submission.csv")).size(),
          Files.readAllLines(work.resolve("onnx-submission.csv")).size());
    } finally {
      cluster.close();
    }
    assertTrue(cluster.allStopped(), "left a process running");
  }
}
