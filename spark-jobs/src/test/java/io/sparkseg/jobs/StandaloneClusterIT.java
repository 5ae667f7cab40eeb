package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.io.TableStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    Path sparkHome = Path.of(System.getProperty("sparkseg.it.spark.home", "target/it-spark-home"))
        .toAbsolutePath();
    Path appJar = Path.of(System.getProperty("sparkseg.app.jar", "target/sparkseg-app.jar"))
        .toAbsolutePath();
    assertTrue(Files.isDirectory(sparkHome.resolve("jars")), "no " + sparkHome + "/jars");
    assertTrue(Files.isRegularFile(appJar), "no application jar " + appJar);
    String classpath = sparkHome.resolve("jars") + "/*";
    Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString(),
        "SPARK_SCALA_VERSION", "2.13", "SPARK_LOCAL_IP", "127.0.0.1");
    Path logs = tmp.resolve("logs");
    int masterPort = ExternalProcess.freePort();
    int masterUi = ExternalProcess.freePort();
    String masterUrl = "spark://127.0.0.1:" + masterPort;

    List<ExternalProcess> cluster = new ArrayList<>();
    try {
      ExternalProcess master = ExternalProcess.java("master", logs, env, List.of("-Xmx512m",
          "-cp", classpath, "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", "" + masterPort, "--webui-port", "" + masterUi));
      cluster.add(master);
      master.await("master listening", Duration.ofSeconds(90),
          () -> ExternalProcess.listening(masterPort) && ExternalProcess.listening(masterUi));
      List<Path> workDirs = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        Path workDir = Files.createDirectories(tmp.resolve("worker-" + i));
        workDirs.add(workDir);
        cluster.add(ExternalProcess.java("worker-" + i, logs, env, List.of("-Xmx512m",
            "-cp", classpath, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", "1200m",
            "--webui-port", "" + ExternalProcess.freePort(), "--work-dir", workDir.toString(),
            masterUrl)));
      }
      master.await("two alive workers", Duration.ofSeconds(90),
          () -> aliveWorkers(masterUi) == 2);

      // SPARK_HOME/bin/spark-submit, as a Spark distribution has it: SparkSubmit on the jars.
      Path bin = Files.createDirectories(tmp.resolve("spark-home-bin"));
      Path sparkSubmit = bin.resolve("spark-submit");
      Files.writeString(sparkSubmit, "#!/usr/bin/env bash\nexec '"
          + Path.of(System.getProperty("java.home"), "bin", "java") + "' @'"
          + ExternalProcess.repoRoot().resolve("conf/jvm.options") + "' -Xmx1g -cp '"
          + classpath + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
      assertTrue(sparkSubmit.toFile().setExecutable(true));
      Path submitHome = Files.createDirectories(tmp.resolve("submit-spark-home"));
      Files.createSymbolicLink(submitHome.resolve("jars"), sparkHome.resolve("jars"));
      Files.createSymbolicLink(submitHome.resolve("bin"), bin);

      Path work = tmp.resolve("work");
      List<String> submit = new ArrayList<>(List.of(
          ExternalProcess.repoRoot().resolve("submit/sparkseg-submit").toString(),
          "--master", masterUrl, "--deploy-mode", "client",
          "--conf", "spark.executor.memory=900m",
          "--conf", "spark.executor.cores=1",
          "--conf", "spark.cores.max=2",
          "--conf", "spark.driver.host=127.0.0.1",
          "--conf", "spark.ui.enabled=false",
          "--", "run", "--work", work.toString()));
      for (String[] kv : new String[][] {{"demo.train-images", "12"}, {"demo.test-images", "1"},
          {"data.image-height", "128"}, {"data.image-width", "800"}, {"tiles.width", "256"},
          {"tiles.stride", "128"}, {"folds.k", "3"}, {"spark.sql.shuffle.partitions", "4"}}) {
        submit.add("--conf");
        submit.add(kv[0] + "=" + kv[1]);
      }
      Map<String, String> submitEnv = Map.of("SPARK_HOME", submitHome.toString(),
          "SPARKSEG_APP_JAR", appJar.toString(), "SPARKSEG_PACKAGES", "",
          "SPARK_LOCAL_IP", "127.0.0.1");
      try (ExternalProcess app = ExternalProcess.command("sparkseg-submit", logs, submitEnv,
          submit)) {
        int code = app.waitFor(Duration.ofMinutes(8));
        assertEquals(0, code, "spark-submit failed:\n" + app.tail());
        String out = app.output();
        assertTrue(out.contains("tiles: 72 in = 72 written  (reconciled)"), out);
        assertTrue(out.contains("outputs (delta):"), out);
      }

      // the executors ran on both workers, not in the driver
      for (Path w : workDirs) {
        try (var apps = Files.list(w)) {
          assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")),
              "no executor ran under " + w);
        }
      }

      SparksegConfig cfg = SparkTestSupport.config(work);
      SparkSession spark = SparkTestSupport.spark(cfg);
      TableStore store = new TableStore(spark, cfg.tables());
      assertEquals(12, store.read(TableStore.IMAGES).count());
      assertEquals(12, store.read(TableStore.FOLDS).count());
      assertEquals(72, store.read(TableStore.TILES).count());
      assertEquals(3, store.read(TableStore.JOB_RUNS).count());
    } finally {
      for (int i = cluster.size() - 1; i >= 0; i--) {
        cluster.get(i).close();
      }
    }
    for (ExternalProcess p : cluster) {
      assertTrue(!p.handle().isAlive() && p.handle().descendants().findAny().isEmpty(),
          "left a process running");
    }
  }

  private static int aliveWorkers(int uiPort) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + uiPort + "/json/")).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(r.body());
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
