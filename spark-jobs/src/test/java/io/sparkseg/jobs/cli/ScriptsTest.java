package io.sparkseg.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/sparkseg and submit/sparkseg-submit, run on a copy of the checkout's layout with stand-ins
 * for {@code mvn}, {@code java} and {@code spark-submit} that record how they were called: which
 * Java versions the launcher takes, when either script builds (and that it says why), the
 * packages and excludes spark-submit gets, and where a configuration file goes in client and
 * cluster mode.
 */
class ScriptsTest {
  @TempDir
  Path root;
  private Path calls;

  private static final Path REPO = Path.of(System.getProperty("sparkseg.repo.root", ".."));

  @BeforeEach
  void layout() throws IOException {
    calls = root.resolve("calls.txt");
    for (String script : new String[] {"bin/sparkseg", "bin/cpu-check",
        "submit/sparkseg-submit"}) {
      Path to = root.resolve(script);
      Files.createDirectories(to.getParent());
      Files.copy(REPO.resolve(script), to);
      executable(to);
    }
    for (String f : new String[] {"pom.xml", "model-core/pom.xml", "spark-jobs/pom.xml",
        "model-core/src/main/java/A.java", "spark-jobs/src/main/java/B.java", "conf/jvm.options",
        "conf/log4j2.properties", "conf/application.conf", "conf/demo.conf"}) {
      write(f, "");
      Files.setLastModifiedTime(root.resolve(f), FileTime.from(Instant.now().minusSeconds(3600)));
    }
    for (String f : new String[] {"spark-jobs/target/launcher-classpath.txt",
        "spark-jobs/target/launcher-classpath-provided.txt",
        "spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT.jar", "spark-jobs/target/sparkseg-app.jar",
        "spark-jobs/target/sparkseg-app-thin.jar"}) {
      built(f);
    }
    // stand-ins: each appends "<name> <args>" to calls.txt
    for (String tool : new String[] {"fakebin/mvn", "jdk17/bin/java", "jdk21/bin/java",
        "jdk25/bin/java", "spark/bin/spark-submit"}) {
      String version = tool.startsWith("jdk") ? tool.substring(3, 5) : "";
      write(tool, "#!/usr/bin/env bash\n"
          + (version.isEmpty() ? "" : "if [[ \"$1\" == -version ]]; then echo 'openjdk version \""
              + version + ".0.2\" 2025-01-21' >&2; exit 0; fi\n")
          // the CPU check: right with the kernels FAKE_CHECK_RIGHT names (default: the
          // default ones), wrong (3) with others; FAKE_CHECK_EXIT: it cannot run
          + "case \"$*\" in *ConvolutionCheck*) isa=${DNNL_MAX_CPU_ISA:-default}; echo \""
          + tool + " check $isa\" >> '" + calls + "'; [[ -z \"$FAKE_CHECK_EXIT\" ]] || "
          + "exit $FAKE_CHECK_EXIT; [[ $isa == ${FAKE_CHECK_RIGHT:-default} ]] && exit 0; "
          + "exit 3;; esac\n"
          + "echo \"" + tool + " $*${DNNL_MAX_CPU_ISA:+ [DNNL_MAX_CPU_ISA=$DNNL_MAX_CPU_ISA]}\""
          + " >> '" + calls + "'\n"
          // like a JVM: the class-data archive appears when it exits
          + "for a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) "
          + "echo archive > \"${a#*=}\";; esac; done\n"
          + "exit ${FAKE_JAVA_EXIT:-0}\n");
      executable(root.resolve(tool));
    }
    // a CPU without AVX2 or AVX-512 unless a test says otherwise: no convolution check
    write("cpuinfo", "model name\t: Test CPU\nflags\t\t: fpu sse sse2 avx\n");
  }

  /** A build output, half an hour old: newer than the sources, older than any edit now. */
  private void built(String rel) throws IOException {
    write(rel, "x");
    Files.setLastModifiedTime(root.resolve(rel), FileTime.from(Instant.now().minusSeconds(1800)));
  }

  private void write(String rel, String text) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  private static void executable(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Run(int code, String err, List<String> calls) {}

  private Run run(Map<String, String> env, String... cmd) throws Exception {
    Files.deleteIfExists(calls);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
    pb.environment().put("PATH", root.resolve("fakebin") + ":" + System.getenv("PATH"));
    pb.environment().remove("SPARKSEG_REBUILD");
    pb.environment().remove("SPARKSEG_APP_JAR");
    pb.environment().remove("SPARKSEG_PACKAGES");
    pb.environment().remove("SPARKSEG_CONF_FILE");
    pb.environment().remove("SPARKSEG_LIBTORCH");
    pb.environment().remove("SPARKSEG_FAST_START");
    pb.environment().remove("SPARKSEG_JAVA_OPTS");
    pb.environment().remove("DNNL_MAX_CPU_ISA");
    pb.environment().put("SPARKSEG_CPUINFO", root.resolve("cpuinfo").toString());
    pb.environment().put("XDG_CACHE_HOME", root.resolve("cache").toString());
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    List<String> lines = Files.exists(calls) ? Files.readAllLines(calls) : new ArrayList<>();
    return new Run(p.exitValue(), err, lines);
  }

  private Run launcher(String jdk, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/sparkseg").toString()));
    cmd.addAll(List.of(args));
    return run(Map.of("JAVA_HOME", root.resolve(jdk).toString()), cmd.toArray(String[]::new));
  }

  @Test
  void theLauncherTakesJava17And21AndRefuses25() throws Exception {
    for (String jdk : new String[] {"jdk17", "jdk21"}) {
      Run r = launcher(jdk, "doctor");
      assertEquals(0, r.code(), r.err());
      assertTrue(r.calls().size() == 1 && r.calls().get(0).startsWith(jdk + "/bin/java ")
          && r.calls().get(0).endsWith("io.sparkseg.jobs.cli.Main doctor"), r.calls().toString());
    }
    Run r = launcher("jdk25", "doctor");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("needs Java 17 or 21 (Spark 4.0 does not run on Java 25)"),
        r.err());
    assertTrue(r.calls().isEmpty(), "nothing ran: " + r.calls());
  }

  private Run launcher(Map<String, String> env, String jdk, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/sparkseg").toString()));
    cmd.addAll(List.of(args));
    Map<String, String> e = new java.util.HashMap<>(env);
    e.put("JAVA_HOME", root.resolve(jdk).toString());
    return run(e, cmd.toArray(String[]::new));
  }

  private static String option(Run r, String prefix) {
    String main = r.calls().stream().filter(c -> c.contains("io.sparkseg.jobs.cli.Main"))
        .findFirst().orElseThrow(() -> new AssertionError("java not called: " + r.calls()));
    return java.util.Arrays.stream(main.split(" ")).filter(a -> a.startsWith(prefix))
        .map(a -> a.substring(prefix.length())).findFirst().orElse(null);
  }

  private List<Path> archives() throws IOException {
    Path dir = root.resolve("spark-jobs/target/cds");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  /**
   * Start-up: a class-data archive recorded by the first Spark command after a build (kept only
   * if it succeeded, under one name per Java and jar set) and mapped by every command after it;
   * the client compiler only for commands that touch no pixels; SPARKSEG_FAST_START=off keeps
   * the JVM's defaults.
   */
  @Test
  void theFirstSparkCommandRecordsClassesAndLaterOnesMapThem() throws Exception {
    Run help = launcher("jdk17", "--help");
    assertEquals("1", option(help, "-XX:TieredStopAtLevel="));
    assertEquals(null, option(help, "-XX:ArchiveClassesAtExit="), "--help records nothing");
    assertEquals(null, option(launcher("jdk17", "folds", "--help"),
        "-XX:ArchiveClassesAtExit="));
    assertTrue(archives().isEmpty(), archives().toString());

    Run failed = launcher(Map.of("FAKE_JAVA_EXIT", "3"), "jdk17", "folds");
    assertEquals(3, failed.code(), "the command's exit code");
    assertTrue(option(failed, "-XX:ArchiveClassesAtExit=") != null, failed.calls().toString());
    assertTrue(archives().isEmpty(), "a failed command leaves no archive: " + archives());

    Run first = launcher("jdk17", "folds", "--work", "w");
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("recording the classes this command loads"), first.err());
    assertTrue(first.calls().get(0).endsWith("io.sparkseg.jobs.cli.Main folds --work w"),
        first.calls().toString());
    assertEquals(1, archives().size(), archives().toString());
    Path archive = archives().get(0);
    assertTrue(archive.getFileName().toString().matches("sparkseg-[0-9a-f]{16}\\.jsa"), archive
        .toString());
    assertEquals(archive + "." , option(first, "-XX:ArchiveClassesAtExit=")
        .replaceAll("\\d+\\.tmp$", ""), "recorded under a temporary name, then renamed");

    assertEquals("1", option(first, "-XX:TieredStopAtLevel="), "folds touches no pixels");
    Run second = launcher("jdk17", "tile");
    assertEquals(archive.toString(), option(second, "-XX:SharedArchiveFile="));
    assertEquals(null, option(second, "-XX:TieredStopAtLevel="), "tile keeps the server compiler");
    assertEquals(null, option(second, "-XX:ArchiveClassesAtExit="));
    assertFalse(second.err().contains("recording"), second.err());
    assertEquals(archive.toString(), option(launcher("jdk17", "doctor"),
        "-XX:SharedArchiveFile="), "any command maps it");

    Run otherJdk = launcher("jdk21", "predict");
    assertTrue(option(otherJdk, "-XX:ArchiveClassesAtExit=") != null, "another Java records anew");
    assertEquals(null, option(otherJdk, "-XX:TieredStopAtLevel="));
    assertEquals(1, archives().size(), "and replaces the old archive: " + archives());
    assertFalse(archives().contains(archive), archives().toString());

    built("spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT.jar"); // a rebuild: same name, new time
    Files.setLastModifiedTime(root.resolve("spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT.jar"),
        FileTime.from(Instant.now().minusSeconds(600)));
    assertTrue(option(launcher("jdk21", "train"), "-XX:ArchiveClassesAtExit=") != null,
        "a rebuilt jar records anew");

    Run off = launcher(Map.of("SPARKSEG_FAST_START", "off"), "jdk17", "folds");
    assertEquals(null, option(off, "-XX:TieredStopAtLevel="));
    assertEquals(null, option(off, "-XX:SharedArchiveFile="));
    assertEquals(null, option(off, "-XX:ArchiveClassesAtExit="));
  }

  @Test
  void theLauncherBuildsOnlyWhenSourcesChangedAndSaysWhy() throws Exception {
    Run fresh = launcher("jdk17", "--help");
    assertFalse(fresh.calls().stream().anyMatch(c -> c.startsWith("fakebin/mvn")),
        "built although nothing changed: " + fresh.calls());
    assertFalse(fresh.err().contains("building"), fresh.err());

    // the defaults and the demo preset ship inside the jar: editing them needs a build too
    write("conf/demo.conf", "sparkseg.train.epochs = 4");
    Run preset = launcher("jdk17", "--help");
    assertTrue(preset.calls().get(0).startsWith("fakebin/mvn -q -DskipTests install"),
        preset.calls().toString());
    assertTrue(preset.err().contains("conf/demo.conf changed since the last build"),
        preset.err());
    Files.setLastModifiedTime(root.resolve("conf/demo.conf"),
        FileTime.from(Instant.now().minusSeconds(3600)));

    write("model-core/src/main/java/A.java", "class A {}"); // now newer than the build
    Run changed = launcher("jdk17", "--help");
    assertTrue(changed.calls().get(0).startsWith("fakebin/mvn -q -DskipTests install"),
        changed.calls().toString());
    assertTrue(changed.err().contains("building") && changed.err().contains(
        "model-core/src/main/java/A.java changed since the last build"), changed.err());
  }

  private Run launcherWith(Map<String, String> env) throws Exception {
    Map<String, String> e = new java.util.HashMap<>(env);
    e.put("JAVA_HOME", root.resolve("jdk17").toString());
    return run(e, root.resolve("bin/sparkseg").toString(), "doctor");
  }

  @Test
  void onACpuWhoseConvolutionIsWrongTheLauncherFindsRightKernelsOnceAndRemembers()
      throws Exception {
    write("cpuinfo", "model name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512f avx512bw\n");
    Run first = launcherWith(Map.of("FAKE_CHECK_RIGHT", "SSE41"));
    assertEquals(0, first.code(), first.err());
    assertEquals(List.of("jdk17/bin/java check default", "jdk17/bin/java check AVX2",
        "jdk17/bin/java check SSE41"), first.calls().subList(0, 3));
    assertTrue(first.calls().get(3).endsWith("Main doctor [DNNL_MAX_CPU_ISA=SSE41]"),
        first.calls().toString());
    assertTrue(first.err().contains("using oneDNN's SSE41 kernels"), first.err());
    // remembered for this CPU: no second check
    Run second = launcherWith(Map.of());
    assertEquals(1, second.calls().size(), second.calls().toString());
    assertTrue(second.calls().get(0).endsWith("Main doctor [DNNL_MAX_CPU_ISA=SSE41]"),
        second.calls().toString());

    // another CPU (another cache key) whose default kernels are right: checked, nothing set
    write("cpuinfo", "model name\t: Intel Xeon\nflags\t\t: fpu avx2 avx512f\n");
    Run right = launcherWith(Map.of());
    assertEquals("jdk17/bin/java check default", right.calls().get(0), right.calls().toString());
    assertTrue(right.calls().get(1).endsWith("Main doctor"), right.calls().toString());
    // a check that cannot run, or no kernels that are right: said, nothing set or remembered
    write("cpuinfo", "model name\t: Other\nflags\t\t: fpu avx2\n");
    Run broken = launcherWith(Map.of("FAKE_CHECK_EXIT", "1"));
    assertEquals(0, broken.code(), broken.err());
    assertTrue(broken.err().contains("the CPU convolution check could not run (exit 1)"),
        broken.err());
    assertTrue(broken.calls().get(1).endsWith("Main doctor"), broken.calls().toString());
    Run none = launcherWith(Map.of("FAKE_CHECK_RIGHT", "none"));
    assertEquals(4, none.calls().size(), none.calls().toString());
    assertTrue(none.calls().get(3).endsWith("Main doctor"), none.calls().toString());
    assertTrue(none.err().contains("wrong on this machine with every oneDNN kernel tried"),
        none.err());
    assertEquals("jdk17/bin/java check default", launcherWith(Map.of()).calls().get(0));
    // the user's own setting is kept and not checked; submit passes it to the whole cluster
    Run own = launcherWith(Map.of("DNNL_MAX_CPU_ISA", "AVX512_CORE"));
    assertEquals(1, own.calls().size(), own.calls().toString());
    assertTrue(own.calls().get(0).endsWith("[DNNL_MAX_CPU_ISA=AVX512_CORE]"), own.calls()
        .toString());
    String line = submitted(submit(Map.of("DNNL_MAX_CPU_ISA", "SSE41", "SPARKSEG_PACKAGES", ""),
        "--master", "yarn", "--", "train"));
    assertTrue(line.contains("--conf spark.executorEnv.DNNL_MAX_CPU_ISA=SSE41")
        && line.contains("--conf spark.yarn.appMasterEnv.DNNL_MAX_CPU_ISA=SSE41"), line);
  }

  private Run submit(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("submit/sparkseg-submit")
        .toString()));
    cmd.addAll(List.of(args));
    Map<String, String> e = new java.util.HashMap<>(env);
    e.put("SPARK_HOME", root.resolve("spark").toString());
    return run(e, cmd.toArray(String[]::new));
  }

  private static String submitted(Run r) {
    return r.calls().stream().filter(c -> c.startsWith("spark/bin/spark-submit")).findFirst()
        .orElseThrow(() -> new AssertionError("spark-submit not called: " + r.calls()
            + "\n" + r.err()));
  }

  @Test
  void submitAddsTheSdkModulesAndExcludesTheBundle() throws Exception {
    Run r = submit(Map.of(), "--master", "yarn", "--", "ingest", "--work", "s3a://b/w");
    assertEquals(0, r.code(), r.err());
    String line = submitted(r);
    assertTrue(line.contains("--packages io.delta:delta-spark_4.0_2.13:4.4.0,"
        + "org.apache.hadoop:hadoop-aws:3.4.1,software.amazon.awssdk:s3:2.24.8,"
        + "software.amazon.awssdk:s3-transfer-manager:2.24.8,software.amazon.awssdk:sts:2.24.8"),
        line);
    assertTrue(line.contains("--exclude-packages software.amazon.awssdk:bundle"), line);
    assertTrue(line.endsWith("sparkseg-app.jar ingest --work s3a://b/w"), line);
    assertFalse(r.calls().stream().anyMatch(c -> c.startsWith("fakebin/mvn")), r.calls()
        .toString());

    Run none = submit(Map.of("SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertFalse(submitted(none).contains("--packages"), submitted(none));
    assertFalse(submitted(none).contains("--exclude-packages"), submitted(none));
  }

  @Test
  void theConfigFileReachesTheDriverInClientAndClusterMode() throws Exception {
    write("my.conf", "sparkseg.folds.k = 3\n");
    Path conf = root.resolve("my.conf").toRealPath();
    Run client = submit(Map.of("SPARKSEG_CONF_FILE", "my.conf", "SPARKSEG_PACKAGES", ""),
        "--master", "spark://m:7077", "--", "folds");
    String line = submitted(client);
    assertTrue(line.endsWith("folds --config " + conf), line);
    assertFalse(line.contains("--files"), line);

    Run cluster = submit(Map.of("SPARKSEG_CONF_FILE", conf.toString(), "SPARKSEG_PACKAGES", ""),
        "--master", "yarn", "--deploy-mode", "cluster", "--", "folds");
    line = submitted(cluster);
    assertTrue(line.contains("--files " + conf) && line.endsWith("folds --config my.conf"),
        line);

    Run missing = submit(Map.of("SPARKSEG_CONF_FILE", "nope.conf"), "--", "folds");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("SPARKSEG_CONF_FILE=nope.conf does not exist"),
        missing.err());
  }

  @Test
  void submitBuildsAMissingOrStaleJarSayingWhyAndNeverAnExplicitOne() throws Exception {
    Files.delete(root.resolve("spark-jobs/target/sparkseg-app.jar"));
    Run r = submit(Map.of("SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertTrue(r.calls().get(0).startsWith("fakebin/mvn -q -DskipTests install"),
        r.calls().toString());
    assertTrue(r.err().contains("building the application jar") && r.err().contains(
        "sparkseg-app.jar does not exist"), r.err());

    built("spark-jobs/target/sparkseg-app.jar");
    write("conf/application.conf", "sparkseg {}");
    Run defaults = submit(Map.of("SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertTrue(defaults.err().contains("conf/application.conf is newer than"), defaults.err());
    Files.setLastModifiedTime(root.resolve("conf/application.conf"),
        FileTime.from(Instant.now().minusSeconds(3600)));
    write("spark-jobs/src/main/java/B.java", "class B {}");
    Run stale = submit(Map.of("SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertTrue(stale.err().contains("B.java is newer than"), stale.err());

    Run explicit = submit(Map.of("SPARKSEG_APP_JAR", root.resolve("none.jar").toString()),
        "--", "ingest");
    assertEquals(2, explicit.code());
    assertTrue(explicit.err().contains("none.jar does not exist"), explicit.err());
    assertTrue(explicit.calls().isEmpty(), explicit.calls().toString());
  }

  @Test
  void aClusterLibtorchSubmitsTheThinJarAndPointsDjlAtIt() throws Exception {
    Run r = submit(Map.of("SPARKSEG_LIBTORCH", "/opt/libtorch/lib", "SPARKSEG_PACKAGES", ""),
        "--master", "yarn", "--deploy-mode", "cluster", "--", "train", "--run-id", "r1");
    assertEquals(0, r.code(), r.err());
    String line = submitted(r);
    assertTrue(line.endsWith("sparkseg-app-thin.jar train --run-id r1"), line);
    for (String kv : new String[] {"PYTORCH_LIBRARY_PATH=/opt/libtorch/lib",
        "PYTORCH_VERSION=2.7.1", "PYTORCH_FLAVOR=cu128"}) {
      for (String where : new String[] {"spark.executorEnv.", "spark.yarn.appMasterEnv.",
          "spark.kubernetes.driverEnv."}) {
        assertTrue(line.contains("--conf " + where + kv), where + kv + ": " + line);
      }
    }
    Run cpu = submit(Map.of("SPARKSEG_LIBTORCH", "/opt/lt", "SPARKSEG_LIBTORCH_FLAVOR", "cpu",
        "SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertTrue(submitted(cpu).contains("--conf spark.executorEnv.PYTORCH_FLAVOR=cpu"),
        submitted(cpu));
    Run plain = submit(Map.of("SPARKSEG_PACKAGES", ""), "--", "ingest");
    assertFalse(submitted(plain).contains("PYTORCH_"), submitted(plain));
    assertTrue(submitted(plain).endsWith("sparkseg-app.jar ingest"), submitted(plain));
  }
}
