package io.sparkseg.jobs.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Where a trained model came from: the source version that trained it. */
final class Provenance {
  private Provenance() {}

  /**
   * The git commit: {@code -Dsparkseg.git.commit}, else {@code SPARKSEG_GIT_COMMIT}, else
   * {@code git rev-parse HEAD} in the working directory (a run from a checkout), else "unknown".
   */
  static String gitCommit() {
    String c = System.getProperty("sparkseg.git.commit", System.getenv("SPARKSEG_GIT_COMMIT"));
    if (c != null && !c.isBlank()) {
      return c.trim();
    }
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true)
          .start();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (out.matches("[0-9a-f]{40}")) {
          return out;
        }
      }
      p.destroyForcibly();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }
}
