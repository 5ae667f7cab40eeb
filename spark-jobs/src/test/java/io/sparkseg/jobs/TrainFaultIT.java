package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.sparkseg.core.config.SparksegConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault tolerance of {@code train} on a real standalone cluster (Master + 2 Workers, submitted
 * with SparkSubmit): once both folds are past their first checkpoint, one worker's executor JVM
 * is killed. The job completes, the retried fold resumes at an epoch > 0, and every fold has its
 * model and metrics.
 */
class TrainFaultIT {
  private static final Pattern RESUMED = Pattern.compile("resumed from .* at epoch [1-9]");

  @Test
  void killedExecutorsFoldResumesFromItsCheckpoint(@TempDir Path tmp) throws Exception {
    Path work = tmp.resolve("work");
    SparksegConfig etl = SparkTestSupport.config(work, Map.of("folds.k", "2",
        "demo.train-images", "16", "demo.clean-fraction", "0.3"));
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Pipeline.generateDemo(etl, quiet);
    Pipeline.etl(SparkTestSupport.spark(etl), etl, quiet);
    SparkSession.active().stop();

    StandaloneCluster cluster = new StandaloneCluster(tmp, 2, "1500m");
    Path run = work.resolve("runs").resolve("fault");
    try {
      List<String> app = new ArrayList<>(List.of("train", "--work", work.toString(),
          "--run-id", "fault"));
      for (String[] kv : new String[][] {{"data.image-height", "128"},
          {"data.image-width", "800"}, {"tiles.width", "256"}, {"tiles.stride", "128"},
          {"folds.k", "2"}, {"model.encoder", "resnet18"}, {"train.epochs", "4"},
          {"train.batch-size", "8"}, {"train.warmup-epochs", "0"},
          {"train.augmentation", "none"}, {"spark.sql.shuffle.partitions", "2"}}) {
        app.add("--conf");
        app.add(kv[0] + "=" + kv[1]);
      }
      try (ExternalProcess submit = cluster.submit("train", List.of(
          "--conf", "spark.executor.memory=1200m", "--conf", "spark.executor.cores=1",
          "--conf", "spark.cores.max=2", "--conf", "spark.task.maxFailures=4"), app)) {
        submit.await("both folds past their first checkpoint", Duration.ofMinutes(6),
            () -> Files.exists(run.resolve("fold-0/checkpoint-0001.safetensors"))
                && Files.exists(run.resolve("fold-1/checkpoint-0001.safetensors")));
        assertFalse(Files.exists(run.resolve("fold-0/result.json"))
            && Files.exists(run.resolve("fold-1/result.json")), "killed too late: both done");
        ProcessHandle executor = cluster.workers.get(0).handle().descendants()
            .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
            .findFirst().orElseThrow(() -> new AssertionError("no executor under worker 1"));
        assertTrue(executor.destroyForcibly(), "executor killed");
        int code = submit.waitFor(Duration.ofMinutes(10));
        assertEquals(0, code, "train failed after the executor was killed:\n" + submit.tail());
        assertTrue(submit.output().contains("folds: 2 in = 2 trained  (reconciled)"),
            submit.tail());
      }

      JsonObject summary = new Gson().fromJson(Files.readString(run.resolve("summary.json")),
          JsonObject.class);
      JsonArray folds = summary.getAsJsonArray("folds");
      assertEquals(2, folds.size());
      int retried = 0;
      for (JsonElement e : folds) {
        JsonObject f = e.getAsJsonObject();
        assertTrue(Files.isRegularFile(Path.of(f.get("bestModel").getAsString())), f.toString());
        assertFalse(f.getAsJsonObject("metrics").entrySet().isEmpty(), f.toString());
        assertEquals(4, f.get("epochsRun").getAsInt());
        if (f.get("attempt").getAsInt() > 0) {
          retried++;
          assertTrue(f.get("resumedFromEpoch").getAsInt() >= 1, "retried fold resumed: " + f);
        }
      }
      assertEquals(1, retried, "exactly the killed executor's fold was retried");
      // and its new executor said so in its log
      boolean logged = false;
      for (Path w : cluster.workerDirs) {
        try (Stream<Path> files = Files.walk(w)) {
          for (Path p : files.filter(p -> p.getFileName().toString().equals("stdout")).toList()) {
            logged |= RESUMED.matcher(Files.readString(p)).find();
          }
        }
      }
      assertTrue(logged, "an executor log says the fold resumed at epoch > 0");
    } finally {
      cluster.close();
    }
    assertTrue(cluster.allStopped(), "left a process running");
  }
}
