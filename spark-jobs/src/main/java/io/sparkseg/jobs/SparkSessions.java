package io.sparkseg.jobs;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.config.TableFormat;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates (or joins) the application's Spark session from the configuration. A master given by
 * {@code spark-submit} or a running Databricks session wins over {@code sparkseg.spark.master};
 * Delta's SQL extension and catalog are added when tables are Delta and nothing else set them.
 */
public final class SparkSessions {
  private static final String CONSOLE_PROGRESS = "spark.ui.showConsoleProgress";

  private SparkSessions() {}

  /**
   * Whether to turn on Spark's console progress bar (off outside its shells): for a local master
   * on an interactive terminal, where a long step (training, scoring) otherwise shows nothing
   * for minutes; never where output goes to a file or a log (the bar redraws with carriage
   * returns), and never over an explicit setting.
   */
  static boolean consoleProgress(String master, boolean terminal, boolean setExplicitly) {
    return terminal && !setExplicitly && master != null && master.startsWith("local");
  }

  public static SparkSession create(SparksegConfig cfg) {
    SparkConf submitted = new SparkConf(); // picks up spark.* system properties from spark-submit
    SparkSession.Builder b = SparkSession.builder().appName(cfg.spark().appName());
    if (!submitted.contains("spark.master")) {
      b.master(cfg.spark().master());
    }
    cfg.spark().conf().forEach(b::config);
    if (consoleProgress(submitted.get("spark.master", cfg.spark().master()),
        System.console() != null, submitted.contains(CONSOLE_PROGRESS)
            || cfg.spark().conf().containsKey(CONSOLE_PROGRESS))) {
      b.config(CONSOLE_PROGRESS, "true");
    }
    if (cfg.tables().format() == TableFormat.DELTA) {
      if (!submitted.contains("spark.sql.extensions")
          && !cfg.spark().conf().containsKey("spark.sql.extensions")) {
        b.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
      }
      if (!submitted.contains("spark.sql.catalog.spark_catalog")
          && !cfg.spark().conf().containsKey("spark.sql.catalog.spark_catalog")) {
        b.config("spark.sql.catalog.spark_catalog",
            "org.apache.spark.sql.delta.catalog.DeltaCatalog");
      }
    }
    SparkSession spark = b.getOrCreate();
    // A session that already existed (Databricks, tests) ignores spark.hadoop.* from the
    // builder; RDD reads and our own FileSystem checks use this configuration, so set it here.
    applyHadoopSettings(cfg, spark.sparkContext().hadoopConfiguration());
    return spark;
  }

  /**
   * The Hadoop configuration of a command that needs file systems but no Spark (export): the
   * defaults plus the configuration's {@code spark.hadoop.*} settings (S3 endpoint, keys).
   */
  public static org.apache.hadoop.conf.Configuration hadoopConfiguration(SparksegConfig cfg) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    applyHadoopSettings(cfg, conf);
    return conf;
  }

  private static void applyHadoopSettings(SparksegConfig cfg,
      org.apache.hadoop.conf.Configuration conf) {
    cfg.spark().conf().forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
  }

  /** Stops a session this process made; never a Databricks job's, which shares the cluster's. */
  public static void release(SparkSession spark) {
    if (System.getenv("DATABRICKS_RUNTIME_VERSION") == null) {
      spark.stop();
    }
  }
}
