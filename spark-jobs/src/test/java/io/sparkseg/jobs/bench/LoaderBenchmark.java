package io.sparkseg.jobs.bench;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.train.FoldTrainer;
import io.sparkseg.core.train.TrainingSample;
import io.sparkseg.jobs.SparkSessions;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.train.ParquetTileSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): streams a tiles table larger than the JVM heap through the training
 * loader and prints table size, heap limit, peak RSS and batches per second.
 * {@code list <work-dir> <file-list>}: with Spark, writes the current snapshot's data files;
 * {@code stream <file-list> [batch=8] [passes=1]}: without Spark (run it with a small -Xmx).
 */
public final class LoaderBenchmark {
  private LoaderBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("list")) {
      SparksegConfig cfg = ConfigLoader.load(null, Map.of("work-dir", args[1],
          "spark.ui.enabled", "false"));
      SparkSession spark = SparkSessions.create(cfg);
      String[] files = new TableStore(spark, cfg.tables()).read(TableStore.TILES).inputFiles();
      Files.write(Path.of(args[2]), Arrays.asList(files));
      spark.stop();
      return;
    }
    List<String> files = Files.readAllLines(Path.of(args[1]));
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int passes = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    Configuration conf = new Configuration();
    long bytes = 0;
    for (String f : files) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
      bytes += FileSystem.get(p.toUri(), conf).getFileStatus(p).getLen();
    }
    ParquetTileSource source = new ParquetTileSource(files, conf, 4, true, 1, 32, 64);
    long samples = 0;
    long batches = 0;
    long t0 = System.nanoTime();
    for (int pass = 0; pass < passes; pass++) {
      Iterator<TrainingSample> it = source.samples(pass);
      int inBatch = 0;
      while (it.hasNext()) {
        it.next();
        samples++;
        if (++inBatch == batch) {
          batches++;
          inBatch = 0;
        }
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "loader: %d files, %.0f MB of tiles (x%d passes), heap limit "
            + "%d MB: %d samples, %.1f batches/s of %d (%.1f tiles/s), peak RSS %d MB%n",
        files.size(), bytes / 1e6, passes, Runtime.getRuntime().maxMemory() >> 20, samples,
        batches / s, batch, samples / s, peakRssMb());
    System.out.println("(current RSS " + FoldTrainer.rssMb() + " MB)");
  }

  /** VmHWM: the process's peak resident set in MB. */
  static long peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
