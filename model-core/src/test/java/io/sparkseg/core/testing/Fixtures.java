package io.sparkseg.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared fixtures ({@code ../shared/fixtures} beside the checkout: a YOLO-seg
 * format ONNX model, real photographs of people). Tests that need them skip, saying so, when
 * they are absent.
 */
public final class Fixtures {
  private Fixtures() {}

  /** The fixtures folder, or null when absent. */
  public static Path dirOrNull() {
    String root = System.getProperty("sparkseg.repo.root", ".");
    Path p = Path.of(root).toAbsolutePath().normalize().resolveSibling("shared").resolve("fixtures");
    return Files.isDirectory(p) ? p : null;
  }

  /** {@code ../shared/fixtures/<relative>}; skips the test with a message when it is absent. */
  public static Path require(String relative) {
    Path dir = dirOrNull();
    Path file = dir == null ? null : dir.resolve(relative);
    assumeTrue(file != null && Files.exists(file),
        "skipped: fixture ../shared/fixtures/" + relative + " is absent (it is not in the "
            + "repository; see the README's Tests section)");
    return file;
  }
}
