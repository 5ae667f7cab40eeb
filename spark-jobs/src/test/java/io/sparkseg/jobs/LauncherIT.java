package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
}
