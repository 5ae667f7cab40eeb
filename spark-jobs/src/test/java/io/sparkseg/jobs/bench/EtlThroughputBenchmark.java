package io.sparkseg.jobs.bench;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkSessions;
import io.sparkseg.jobs.folds.FoldsJob;
import io.sparkseg.jobs.ingest.IngestJob;
import io.sparkseg.jobs.tiles.TileJob;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): ingest and tile throughput on demo data at Severstal size, in rows
 * (images; tiles) per second per core. Run with {@code bench/run etl [images] [rounds]}. The
 * first round warms the JIT and Delta up and is not reported.
 */
public final class EtlThroughputBenchmark {
  private EtlThroughputBenchmark() {}

  public static void main(String[] args) {
    int images = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String work = args.length > 2 ? args[2] : "target/bench-etl";
    Map<String, String> o = new LinkedHashMap<>();
    o.put("work-dir", Path.of(work).toAbsolutePath().toString());
    o.put("demo.train-images", "" + images);
    o.put("demo.test-images", "0");
    o.put("spark.ui.enabled", "false");
    SparksegConfig cfg = ConfigLoader.load(null, o);
    Pipeline.generateDemo(cfg, System.out);
    SparkSession spark = SparkSessions.create(cfg);
    int cores = spark.sparkContext().defaultParallelism();
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    System.out.printf(Locale.ROOT, "ETL benchmark: %d images of %dx%d, %d cores (%s), %s tables%n",
        images, cfg.data().imageHeight(), cfg.data().imageWidth(), cores,
        spark.sparkContext().master(), cfg.tables().format().sourceName());
    for (int round = 0; round <= rounds; round++) {
      long t0 = System.nanoTime();
      JobReport ingest = IngestJob.run(spark, cfg, quiet);
      long t1 = System.nanoTime();
      FoldsJob.run(spark, cfg, quiet);
      long t2 = System.nanoTime();
      JobReport tile = TileJob.run(spark, cfg, quiet);
      long t3 = System.nanoTime();
      if (round == 0) {
        System.out.println("warm-up round done");
        continue;
      }
      double ingestS = (t1 - t0) / 1e9;
      double tileS = (t3 - t2) / 1e9;
      long n = ingest.count("images_written");
      long tiles = tile.count("tiles_written");
      System.out.printf(Locale.ROOT,
          "round %d: ingest %.1f s = %.1f images/s/core | tile %.1f s = %.1f images/s/core, "
              + "%.1f tiles/s/core | ingest+tile %.2f images/s/core%n",
          round, ingestS, n / ingestS / cores, tileS, n / tileS / cores, tiles / tileS / cores,
          n / (ingestS + tileS) / cores);
    }
    spark.stop();
  }
}
