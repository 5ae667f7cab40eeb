package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.train.FoldResult;
import io.sparkseg.jobs.train.TrainJob;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling of the train job on {@code local-cluster[1,2,1024]} (a real worker and
 * executor process) with a fake discovery script announcing GPUs "0" and "1": 4 folds, one GPU
 * per task: every fold trains, at most 2 at a time, never two at once on one GPU. The tasks
 * compute on the CPU ({@code train.device = cpu}); the GPU addresses are Spark's assignment.
 */
class GpuSchedulingIT {
  @Test
  void onePerGpuAtMostTwoAtATime(@TempDir Path tmp) throws Exception {
    Path work = tmp.resolve("work");
    Map<String, String> base = new LinkedHashMap<>();
    base.put("folds.k", "4");
    base.put("demo.train-images", "12");
    base.put("data.image-width", "512"); // 3 tiles per image: scheduling is what is tested
    SparksegConfig etl = SparkTestSupport.config(work, base);
    Pipeline.generateDemo(etl, System.out);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Pipeline.etl(SparkTestSupport.spark(etl), etl, quiet);
    SparkSession.active().stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();

    Path script = tmp.resolve("gpus.sh");
    Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
    assertTrue(script.toFile().setExecutable(true));
    Path sparkHome = Path.of(System.getProperty("sparkseg.it.spark.home", "target/it-spark-home"))
        .toAbsolutePath();
    String appJar = Path.of(System.getProperty("sparkseg.app.jar", "target/sparkseg-app.jar"))
        .toAbsolutePath().toString();
    Map<String, String> o = new LinkedHashMap<>(base);
    o.put("sparkseg.spark.master", "local-cluster[1,2,1024]");
    o.put("spark.home", sparkHome.toString());
    o.put("spark.executor.extraClassPath", appJar);
    o.put("spark.executor.memory", "1000m");
    o.put("spark.worker.resource.gpu.amount", "2");
    o.put("spark.worker.resource.gpu.discoveryScript", script.toString());
    o.put("spark.executor.resource.gpu.amount", "2");
    o.put("spark.executorEnv.SPARK_SCALA_VERSION", "2.13"); // the launcher needs it
    o.put("spark.executorEnv.DJL_OFFLINE", "true");
    o.put("spark.executorEnv.OPT_OUT_TRACKING", "true");
    o.put("model.encoder", "resnet18");
    o.put("model.decoder-channels", "[16, 16, 8, 8, 8]");
    o.put("train.epochs", "1");
    o.put("train.batch-size", "8");
    o.put("train.warmup-epochs", "0");
    o.put("train.augmentation", "none");
    o.put("train.gpus-per-task", "1");
    o.put("train.device", "cpu");
    o.put("train.run-id", "gpu-scheduling");
    SparksegConfig cfg = SparkTestSupport.config(work, o);
    SparkSession spark = SparkSessions.create(cfg);
    try {
      assertTrue(spark.sparkContext().master().startsWith("local-cluster"));
      TrainJob.Summary s = TrainJob.run(spark, cfg, System.out);
      List<FoldResult> folds = s.folds();
      assertEquals(List.of(0, 1, 2, 3), folds.stream().map(FoldResult::fold).toList());
      for (FoldResult r : folds) {
        assertTrue(Set.of("0", "1").contains(r.gpuAddress()), "fold " + r.fold() + " GPU "
            + r.gpuAddress());
        assertEquals("cpu", r.device());
      }
      // peak concurrency: sweep the start (+1) and end (-1) events in time order
      List<long[]> events = new java.util.ArrayList<>();
      for (FoldResult r : folds) {
        events.add(new long[] {r.startedAtMillis(), 1});
        events.add(new long[] {r.finishedAtMillis(), -1});
      }
      events.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
      int running = 0;
      int peak = 0;
      for (long[] e : events) {
        running += (int) e[1];
        peak = Math.max(peak, running);
      }
      assertTrue(peak <= 2, "at most two folds at a time, saw " + peak);
      for (FoldResult r : folds) {
        for (FoldResult q : folds) {
          if (q != r && q.startedAtMillis() < r.finishedAtMillis()
              && r.startedAtMillis() < q.finishedAtMillis()) {
            assertNotEquals(r.gpuAddress(), q.gpuAddress(), "folds " + r.fold() + " and "
                + q.fold() + " ran at once on GPU " + r.gpuAddress());
          }
        }
      }
      assertTrue(folds.stream().anyMatch(r -> folds.stream().anyMatch(q -> q != r
          && q.startedAtMillis() < r.finishedAtMillis()
          && r.startedAtMillis() < q.finishedAtMillis())), "two folds ran in parallel");
    } finally {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
  }
}
