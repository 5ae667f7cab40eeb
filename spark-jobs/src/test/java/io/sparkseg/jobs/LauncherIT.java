package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.JarURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/sparkseg as a user runs it: the DJL engine starts offline from the launcher's classpath
 * with an empty engine cache (natives extracted from the jar, never downloaded).
 */
class LauncherIT {
  @Test
  void doctorFindsEverythingOffline(@TempDir Path cache) throws Exception {
    Path launcher = ExternalProcess.repoRoot().resolve("bin/sparkseg");
    try (ExternalProcess p = ExternalProcess.command("doctor", cache.resolve("logs"),
        Map.of("DJL_CACHE_DIR", cache.resolve("djl").toString(),
            "ENGINE_CACHE_DIR", cache.resolve("engines").toString()),
        List.of(launcher.toString(), "doctor"))) {
      int code = p.waitFor(Duration.ofMinutes(3));
      String out = p.output();
      assertEquals(0, code, out);
      assertTrue(out.contains("offline=true"), out);
      assertTrue(out.contains("engine    PyTorch " + System.getProperty("sparkseg.pytorch.version",
          "2.7.1")), out);
      assertTrue(out.contains("compute   ok (3.0)"), out);
    }
    try (ExternalProcess help = ExternalProcess.command("help", cache.resolve("logs"), Map.of(),
        List.of(launcher.toString(), "--help"))) {
      assertEquals(0, help.waitFor(Duration.ofMinutes(2)));
      for (String c : new String[] {"generate-demo", "ingest", "folds", "tile", "train", "run",
          "doctor"}) {
        assertTrue(help.output().contains(c), help.output());
      }
    }
  }

  /**
   * sparkseg-app-thin.jar carries no libtorch: with PYTORCH_LIBRARY_PATH at a libtorch 2.7.1 (here
   * the CPU build, unpacked from DJL's native jar as a cluster would have it installed) the
   * engine starts offline from it; without, the command fails saying what to set.
   */
  @Test
  void thinJarTakesTheClustersLibtorch(@TempDir Path dir) throws Exception {
    Path fullJar = Path.of(System.getProperty("sparkseg.app.jar"));
    Path thinJar = fullJar.resolveSibling("sparkseg-app-thin.jar");
    try (ZipFile thin = new ZipFile(thinJar.toFile())) {
      assertTrue(thin.stream().noneMatch(e -> e.getName().contains("libtorch")),
          "no libtorch inside");
      assertTrue(thin.getEntry("jnilib/linux-x86_64/cu128/libdjl_torch.so") != null,
          "DJL's CUDA 12.8 JNI for libtorch 2.7.1 is inside");
      assertTrue(thin.getEntry("jnilib/linux-x86_64/cpu/libdjl_torch.so") != null);
    }
    // one platform's natives per jar (linux-x86_64 here; -Plinux-aarch64 builds the Arm ones)
    for (Path jar : List.of(fullJar, thinJar, fullJar.resolveSibling("sparkseg-scoring.jar"))) {
      try (ZipFile z = new ZipFile(jar.toFile())) {
        List<String> natives = z.stream().map(java.util.zip.ZipEntry::getName)
            .filter(n -> n.matches(".*\\.(so(\\.\\d+)*|dll|dylib|jnilib)$")).toList();
        assertTrue(natives.size() >= 3, jar + ": " + natives);
        for (String n : natives) {
          assertTrue(n.matches(".*(linux-x86_64|linux-x64|linux-x86-64|linux/x86_64).*"),
              jar.getFileName() + " holds another platform's " + n);
        }
      }
    }
    assertTrue(Files.size(thinJar) * 3 < Files.size(fullJar),
        Files.size(thinJar) + " vs " + Files.size(fullJar));
    Path lib = Files.createDirectories(dir.resolve("libtorch/lib"));
    JarURLConnection c = (JarURLConnection) getClass().getClassLoader()
        .getResource("pytorch/cpu/linux-x86_64/libtorch.so").openConnection();
    try (JarFile nativeJar = c.getJarFile()) {
      for (Enumeration<JarEntry> en = nativeJar.entries(); en.hasMoreElements(); ) {
        JarEntry e = en.nextElement();
        if (e.getName().startsWith("pytorch/cpu/linux-x86_64/") && !e.isDirectory()) {
          try (InputStream in = nativeJar.getInputStream(e)) {
            Files.copy(in, lib.resolve(e.getName().substring(e.getName().lastIndexOf('/') + 1)));
          }
        }
      }
    }
    String cp = thinJar + java.io.File.pathSeparator
        + Path.of(System.getProperty("sparkseg.it.spark.home"), "jars", "*");
    Map<String, String> cache = Map.of("DJL_CACHE_DIR", dir.resolve("djl").toString(),
        "ENGINE_CACHE_DIR", dir.resolve("engines").toString(), "DJL_OFFLINE", "true",
        "OPT_OUT_TRACKING", "true");
    try (ExternalProcess p = ExternalProcess.java("thin-none", dir.resolve("logs"), cache,
        List.of("-cp", cp, "io.sparkseg.jobs.cli.Main", "doctor"))) {
      int code = p.waitFor(Duration.ofMinutes(3));
      String out = p.output();
      assertTrue(code != 0, out);
      assertTrue(out.contains("this class path has none (sparkseg-app-thin.jar) and "
          + "PYTORCH_LIBRARY_PATH is not set"), out);
    }
    Map<String, String> env = new java.util.HashMap<>(cache);
    env.putAll(Map.of("PYTORCH_LIBRARY_PATH", lib.toString(), "PYTORCH_VERSION", "2.7.1",
        "PYTORCH_FLAVOR", "cpu"));
    try (ExternalProcess p = ExternalProcess.java("thin-libtorch", dir.resolve("logs"), env,
        List.of("-cp", cp, "io.sparkseg.jobs.cli.Main", "doctor"))) {
      int code = p.waitFor(Duration.ofMinutes(3));
      String out = p.output();
      assertEquals(0, code, out);
      assertTrue(out.contains("engine    PyTorch 2.7.1"), out);
      assertTrue(out.contains("libtorch  " + lib), out);
      assertTrue(out.contains("compute   ok (3.0)"), out);
    }
  }
}
