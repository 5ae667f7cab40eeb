package io.sparkseg.jobs;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Small, fast settings for Spark tests: local[2], 2 shuffle partitions, no UI, and a
 * 128×800 image size with 128×256 tiles at stride 128 (still 6 tiles per image, as Severstal).
 */
public final class SparkTestSupport {
  private SparkTestSupport() {}

  /** Test configuration rooted at {@code work}, plus {@code extra} overrides. */
  public static SparksegConfig config(Path work, Map<String, String> extra) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("work-dir", work.toString());
    o.put("data.image-height", "128");
    o.put("data.image-width", "800");
    o.put("tiles.width", "256");
    o.put("tiles.stride", "128");
    o.put("folds.k", "3");
    o.put("demo.train-images", "18");
    o.put("demo.test-images", "2");
    o.put("demo.clean-fraction", "0.3");
    o.put("sparkseg.spark.master", "local[2]");
    o.put("spark.sql.shuffle.partitions", "2");
    o.put("spark.default.parallelism", "2");
    o.put("spark.databricks.delta.snapshotPartitions", "1"); // as conf/application.conf
    o.put("spark.ui.enabled", "false");
    o.put("spark.driver.host", "127.0.0.1");
    o.put("spark.driver.bindAddress", "127.0.0.1");
    o.putAll(extra);
    return ConfigLoader.load(null, o, Map.of());
  }

  public static SparksegConfig config(Path work) {
    return config(work, Map.of());
  }

  /** The shared local session (created on first use, re-created if a test stopped it). */
  public static SparkSession spark(SparksegConfig cfg) {
    return SparkSessions.create(cfg);
  }
}
