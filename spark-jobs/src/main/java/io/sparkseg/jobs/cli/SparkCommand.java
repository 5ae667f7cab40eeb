package io.sparkseg.jobs.cli;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.SparkSessions;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;

/** A command that loads the configuration, runs with a Spark session, and stops it. */
abstract class SparkCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Override
  public final Integer call() {
    SparksegConfig cfg = options.load(commandSettings());
    before(cfg);
    SparkSession spark = SparkSessions.create(cfg);
    try {
      run(spark, cfg);
    } finally {
      SparkSessions.release(spark); // a Databricks job shares the cluster's session
    }
    return 0;
  }

  /** Settings this command's own options stand for (--conf still wins). */
  java.util.Map<String, String> commandSettings() {
    return java.util.Map.of();
  }

  /** Work done before Spark starts (e.g. generating demo data). */
  void before(SparksegConfig cfg) {}

  abstract void run(SparkSession spark, SparksegConfig cfg);
}
