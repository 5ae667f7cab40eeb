package io.sparkseg.jobs;

import io.sparkseg.core.config.SparksegConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Demo data run through ingest → folds → tile once per test JVM, for the tests that need a
 * tiles table (training, loaders). 24 images of 128×800, 3 folds, 6 tiles of 128×256 each.
 */
public final class CleanEtl {
  private static SparksegConfig config;

  private CleanEtl() {}

  public static synchronized SparksegConfig config() {
    if (config == null) {
      try {
        // under target/ (the module's build folder, surefire's working directory), and removed
        // when the JVM exits: the trained runs in it grew to 1.4 GB per test JVM, and a
        // deleteOnExit() of a non-empty folder removes nothing
        Files.createDirectories(Path.of("target"));
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "clean-etl");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(work)));
        SparksegConfig cfg = SparkTestSupport.config(work, Map.of("demo.train-images", "24",
            "demo.clean-fraction", "0.4"));
        Pipeline.generateDemo(cfg, new PrintStream(OutputStream.nullOutputStream()));
        Pipeline.etl(SparkTestSupport.spark(cfg), cfg,
            new PrintStream(OutputStream.nullOutputStream()));
        config = cfg;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return config;
  }

  static void deleteTree(Path root) {
    try (java.util.stream.Stream<Path> all = Files.walk(root)) {
      all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      System.err.println("CleanEtl: could not remove " + root + ": " + e.getMessage());
    }
  }
}
