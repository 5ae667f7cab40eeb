package io.sparkseg.jobs.crop;

import ai.djl.Device;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.detect.DetectorModel;
import io.sparkseg.core.detect.DetectorModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The person detector of an executor JVM, loaded once per JVM and settings (the pattern of
 * {@link io.sparkseg.jobs.predict.ModelCache}); tasks make their own {@code PersonDetector}s
 * over it. A model on a Hadoop file system (s3a://, dbfs:/) is copied to a local temporary file
 * first, as DJL loads from the local disk.
 */
public final class DetectorCache {
  private static final ConcurrentHashMap<String, DetectorModel> CACHE = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  private DetectorCache() {}

  public static DetectorModel get(SparksegConfig.Detector d, Configuration conf) {
    String key = d.kind() + "|" + d.model() + "|" + d.yolo() + "|" + d.hog();
    return CACHE.computeIfAbsent(key, k -> {
      LOADS.incrementAndGet();
      java.nio.file.Path local = d.kind().equals("yolo-seg") ? localCopy(d.model(), conf) : null;
      return DetectorModels.open(d.kind(), local, d.yolo(), d.hog(), Device.cpu());
    });
  }

  /** Detectors this JVM has loaded (tests check one per JVM). */
  public static int loads() {
    return LOADS.get();
  }

  static java.nio.file.Path localCopy(String location, Configuration conf) {
    if (location.startsWith("file:")) {
      return java.nio.file.Path.of(java.net.URI.create(location));
    }
    if (!location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
      return java.nio.file.Path.of(location);
    }
    Path p = new Path(location);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      String name = p.getName();
      java.nio.file.Path dir = Files.createTempDirectory("sparkseg-detector");
      java.nio.file.Path local = dir.resolve(name);
      Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
      local.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return local;
    } catch (IOException e) {
      throw new UncheckedIOException("sparkseg.detector.model: cannot copy " + location
          + " to the local disk: " + e.getMessage(), e);
    }
  }
}
