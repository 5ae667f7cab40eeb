package io.sparkseg.jobs;

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

/**
 * A real Spark standalone cluster for integration tests: a Master and N Workers (1 core each)
 * as separate JVMs from the dependency jars in SPARK_HOME/jars, plus a SPARK_HOME/bin/spark-submit
 * that runs {@code org.apache.spark.deploy.SparkSubmit}, so {@code submit/sparkseg-submit} works
 * against it. {@link #close()} stops every process it started.
 */
final class StandaloneCluster implements AutoCloseable {
  final Path sparkHome;
  final Path submitHome;
  final String masterUrl;
  final List<Path> workerDirs = new ArrayList<>();
  final List<ExternalProcess> workers = new ArrayList<>();
  private final List<ExternalProcess> processes = new ArrayList<>();
  private final Path logs;

  StandaloneCluster(Path tmp, int workerCount, String workerMemory) throws Exception {
    sparkHome = Path.of(System.getProperty("sparkseg.it.spark.home", "target/it-spark-home"))
        .toAbsolutePath();
    if (!Files.isDirectory(sparkHome.resolve("jars"))) {
      throw new IllegalStateException("no " + sparkHome + "/jars (mvn verify assembles it)");
    }
    logs = tmp.resolve("logs");
    String classpath = sparkHome.resolve("jars") + "/*";
    Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString(),
        "SPARK_SCALA_VERSION", "2.13", "SPARK_LOCAL_IP", "127.0.0.1");
    int port = ExternalProcess.freePort();
    int ui = ExternalProcess.freePort();
    masterUrl = "spark://127.0.0.1:" + port;
    try {
      ExternalProcess master = start(ExternalProcess.java("master", logs, env, List.of("-Xmx512m",
          "-cp", classpath, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", "" + port, "--webui-port", "" + ui)));
      master.await("master listening", Duration.ofSeconds(90),
          () -> ExternalProcess.listening(port) && ExternalProcess.listening(ui));
      for (int i = 1; i <= workerCount; i++) {
        Path dir = Files.createDirectories(tmp.resolve("worker-" + i));
        workerDirs.add(dir);
        workers.add(start(ExternalProcess.java("worker-" + i, logs, env, List.of("-Xmx512m",
            "-cp", classpath, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
            "--cores", "1", "--memory", workerMemory, "--webui-port",
            "" + ExternalProcess.freePort(), "--work-dir", dir.toString(), masterUrl))));
      }
      master.await(workerCount + " alive workers", Duration.ofSeconds(90),
          () -> aliveWorkers(ui) == workerCount);

      Path bin = Files.createDirectories(tmp.resolve("spark-home-bin"));
      Path sparkSubmit = bin.resolve("spark-submit");
      Files.writeString(sparkSubmit, "#!/usr/bin/env bash\nexec '"
          + Path.of(System.getProperty("java.home"), "bin", "java") + "' @'"
          + ExternalProcess.repoRoot().resolve("conf/jvm.options") + "' -Xmx1g -cp '"
          + classpath + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
      if (!sparkSubmit.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + sparkSubmit + " executable");
      }
      submitHome = Files.createDirectories(tmp.resolve("submit-spark-home"));
      Files.createSymbolicLink(submitHome.resolve("jars"), sparkHome.resolve("jars"));
      Files.createSymbolicLink(submitHome.resolve("bin"), bin);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private ExternalProcess start(ExternalProcess p) {
    processes.add(p);
    return p;
  }

  /** Runs submit/sparkseg-submit with {@code submitArgs -- appArgs} against this cluster. */
  ExternalProcess submit(String name, List<String> submitArgs, List<String> appArgs) {
    return submit(name, Path.of(System.getProperty("sparkseg.app.jar",
        "target/sparkseg-app.jar")), submitArgs, appArgs);
  }

  /** Submits {@code appJar} (e.g. the scoring-only jar) instead of the application jar. */
  ExternalProcess submit(String name, Path jar, List<String> submitArgs, List<String> appArgs) {
    return submit(name, jar, Map.of(), submitArgs, appArgs);
  }

  /** As {@link #submit(String, Path, List, List)} with more environment (SPARKSEG_CONF_FILE). */
  ExternalProcess submit(String name, Path jar, Map<String, String> env, List<String> submitArgs,
      List<String> appArgs) {
    Path appJar = jar.toAbsolutePath();
    List<String> cmd = new ArrayList<>();
    cmd.add(ExternalProcess.repoRoot().resolve("submit/sparkseg-submit").toString());
    cmd.addAll(List.of("--master", masterUrl, "--deploy-mode", "client",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false"));
    cmd.addAll(submitArgs);
    cmd.add("--");
    cmd.addAll(appArgs);
    Map<String, String> all = new java.util.HashMap<>(env);
    all.putAll(Map.of("SPARK_HOME", submitHome.toString(), "SPARKSEG_APP_JAR", appJar.toString(),
        "SPARKSEG_PACKAGES", "", "SPARK_LOCAL_IP", "127.0.0.1"));
    return ExternalProcess.command(name, logs, all, cmd);
  }

  /** Every process this cluster started is gone (executors included). */
  boolean allStopped() {
    return processes.stream().allMatch(p -> !p.handle().isAlive()
        && p.handle().descendants().findAny().isEmpty());
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
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
