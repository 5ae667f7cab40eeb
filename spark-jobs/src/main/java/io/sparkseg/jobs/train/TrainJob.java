package io.sparkseg.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.delta.tables.DeltaTable;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.config.TableFormat;
import io.sparkseg.core.config.TrainConfig;
import io.sparkseg.core.train.RepeatFactorSampling;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.TableStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code train}: one independent Spark task per fold (a failed fold retries alone, resuming
 * from its checkpoints), each training model-core's {@code FoldTrainer} on the tiles table.
 * The driver pins the tiles snapshot (Delta version) and hands each task the data files of
 * "all folds but k" and of fold k. With {@code sparkseg.train.gpus-per-task > 0} the stage gets
 * a ResourceProfile of that many GPUs per task and each task trains on the GPU Spark assigned
 * it. Results: {@code <work>/runs/<run-id>/fold-<k>/} (checkpoints, best model + card, history,
 * result.json), the {@code oof} table (partitioned by run_id) and
 * {@code runs/<run-id>/summary.json}.
 */
public final class TrainJob {
  public static final String NAME = "train";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
      .serializeSpecialFloatingPointValues().create();

  /** How often the driver looks at the folds' histories while they train. */
  static final long PROGRESS_PERIOD_MS = 5_000;

  private TrainJob() {}

  /** The run's outcome, as summary.json records it. */
  public record Summary(String runId, String runDir, String dataVersion, String gitCommit,
      List<FoldResult> folds, Map<String, double[]> diceMeanSd, double wallSeconds,
      String model, String training) {}

  public static Summary run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    long t0 = System.nanoTime();
    TrainConfig tc = cfg.train();
    if (spark.sparkContext().getConf().getBoolean("spark.speculation", false)) {
      throw new IllegalStateException("train needs spark.speculation=false: two copies of one "
          + "fold would write the same checkpoints");
    }
    int k = cfg.folds().k();
    List<Integer> folds = tc.folds().isEmpty() ? range(k) : tc.folds();
    for (int f : folds) {
      if (f < 0 || f >= k) {
        throw new IllegalArgumentException("sparkseg.train.folds: fold " + f + " is outside 0.."
            + (k - 1) + " (sparkseg.folds.k = " + k + ")");
      }
    }
    String runId = tc.runId().isEmpty() ? JobReport.newRunId() : tc.runId();
    String runDir = cfg.workDir() + "/runs/" + runId;
    JobReport report = new JobReport(NAME, runId);
    TableStore store = new TableStore(spark, cfg.tables());

    String tilesPath = store.path(TableStore.TILES);
    Dataset<Row> tiles;
    String dataVersion;
    if (store.format() == TableFormat.DELTA) {
      long version = DeltaTable.forPath(spark, tilesPath).history(1).select("version").first()
          .getLong(0);
      tiles = spark.read().format("delta").option("versionAsOf", version).load(tilesPath);
      dataVersion = tilesPath + "@v" + version;
    } else {
      tiles = store.read(TableStore.TILES);
      dataVersion = tilesPath + " (parquet)";
    }
    Map<Integer, List<String>> filesByFold = new LinkedHashMap<>();
    for (int f = 0; f < k; f++) {
      List<String> files = Arrays.asList(tiles.filter(col("fold").equalTo(f)).inputFiles());
      if (files.isEmpty()) {
        throw new IllegalStateException("fold " + f + " has no tiles in " + dataVersion
            + "; run folds and tile with sparkseg.folds.k = " + k);
      }
      filesByFold.put(f, files);
    }
    String git = Provenance.gitCommit();
    Map<Integer, float[]> classWeights = classWeights(tiles, tc, k, cfg.data().classes(), folds,
        cfg.classNames(), out);
    Map<Integer, Map<Integer, Long>> patterns = tc.sampling().equals("repeat-factor")
        ? tilesByPattern(tiles, k, folds) : Map.of();
    List<FoldTask> tasks = new ArrayList<>();
    for (int f : folds) {
      List<String> train = new ArrayList<>();
      filesByFold.forEach((fold, files) -> {
        if (fold != f) {
          train.addAll(files);
        }
      });
      TrainConfig foldConfig = classWeights.containsKey(f) ? tc.withOptions(tc.options()
          .toBuilder().classWeights(classWeights.get(f)).build()) : tc;
      RepeatFactorSampling sampling = null;
      long expected = -1;
      if (patterns.containsKey(f)) {
        sampling = RepeatFactorSampling.of(patterns.get(f), cfg.data().classes(),
            tc.samplingThreshold());
        expected = sampling.expectedTiles(patterns.get(f));
        out.printf(Locale.ROOT, "fold %d sampling (repeat-factor, t=%s): %s; about %,d tiles "
            + "per epoch%n", f, tc.samplingThreshold(), sampling.describe(cfg.classNames()),
            expected);
      }
      tasks.add(new FoldTask(f, train, filesByFold.get(f), runDir + "/fold-" + f,
          cfg.data().classes(), foldConfig, dataVersion, git, cfg.classNames(), sampling,
          expected));
    }
    out.printf(Locale.ROOT, "train %s: folds %s of %d on %s, data %s, model %s%n", runId, folds,
        k, tc.gpusPerTask() > 0 ? tc.gpusPerTask() + " GPU(s) per task" : "CPU", dataVersion,
        tc.model());

    JavaRDD<FoldTask> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, tasks.size());
    if (tc.gpusPerTask() > 0) {
      ResourceProfile gpuProfile = new ResourceProfileBuilder()
          .require(new TaskResourceRequests().cpus(1).resource("gpu", tc.gpusPerTask()))
          .build();
      rdd = rdd.withResources(gpuProfile);
    }
    spark.sparkContext().setJobDescription("sparkseg train " + runId);
    List<FoldResult> results = new ArrayList<>();
    List<String> returned;
    // the driver follows each fold's history.json and prints its epochs as they finish
    try (FoldProgress progress = new FoldProgress(folds, runDir, tc.options().epochs(),
        tc.softmax(), spark.sparkContext().hadoopConfiguration(), out, PROGRESS_PERIOD_MS)
        .start()) {
      returned = rdd.mapPartitions(new FoldTrainTask()).collect();
    }
    for (String json : returned) {
      results.add(GSON.fromJson(json, FoldResult.class));
    }
    results.sort((a, b) -> Integer.compare(a.fold(), b.fold()));
    int trainedNow = results.size();

    // folds of this run trained by earlier calls (train --folds): their results and OOF stay
    List<FoldResult> all = new ArrayList<>(results);
    for (int f = 0; f < k; f++) {
      if (!folds.contains(f)) {
        FoldResult earlier = readResult(spark, runDir + "/fold-" + f + "/"
            + FoldTrainTask.RESULT);
        if (earlier != null) {
          all.add(earlier);
        }
      }
    }
    all.sort((a, b) -> Integer.compare(a.fold(), b.fold()));

    List<String> oofFiles = all.stream().map(FoldResult::oofFile).toList();
    store.replacePartitions(TableStore.OOF, spark.read().parquet(oofFiles.toArray(String[]::new))
        .withColumn("run_id", lit(runId)), "run_id");

    java.util.Set<String> models = new java.util.TreeSet<>();
    java.util.Set<String> trainings = new java.util.TreeSet<>();
    for (FoldResult r : all) {
      models.add(String.valueOf(r.model()));
      trainings.add(String.valueOf(r.training()));
    }
    String differs = "differs per fold: see folds[].model and folds[].training";
    Summary summary = new Summary(runId, runDir, dataVersion, git, all,
        diceMeanSd(all, cfg.data().classes(), tc.softmax()), (System.nanoTime() - t0) / 1e9,
        models.size() == 1 ? models.iterator().next() : differs,
        trainings.size() == 1 ? trainings.iterator().next() : differs);
    results = all;
    writeSummary(spark, runDir + "/summary.json", summary);
    writeCurves(spark, runDir, runId, results);
    RunCards.write(runDir, RunCards.forTraining(spark, cfg, store, summary),
        spark.sparkContext().hadoopConfiguration());
    report.count("folds_requested", folds.size()).count("folds_trained", trainedNow)
        .count("folds_in_run", all.size());
    report.reconcile("folds", folds.size(), JobReport.outcomes("trained", trainedNow));
    if (all.size() > trainedNow) {
      report.line("the run also holds folds trained earlier: " + all.stream()
          .map(FoldResult::fold).filter(f -> !folds.contains(f)).toList()
          + (models.size() > 1 || trainings.size() > 1
              ? " (with other settings: see summary.json)" : ""));
    }
    table(summary, cfg.data().classes(), tc.softmax(), cfg.classNames()).forEach(report::line);
    report.line("run folder: " + runDir + " (summary.json, MODEL_CARD.md, curves.svg, "
        + "fold-<k>/best.safetensors)");
    report.line("out-of-fold probabilities: table " + store.path(TableStore.OOF)
        + " where run_id = '" + runId + "'");
    report.finish(spark, store, out);
    return summary;
  }

  /**
   * Per fold, the cross-entropy class weights {@code train.class-weights} gives for the pixel
   * counts of its training tiles (all folds but its own); empty for {@code none}.
   */
  static Map<Integer, float[]> classWeights(Dataset<Row> tiles, TrainConfig tc, int k,
      int classes, List<Integer> folds, List<String> names, PrintStream out) {
    Map<Integer, float[]> out2 = new LinkedHashMap<>();
    if (io.sparkseg.core.train.ClassWeights.of(tc.classWeights(), new long[] {1}) == null) {
      return out2;
    }
    long[][] perFold = new long[k][classes];
    for (Row r : tiles.select(col("fold"), org.apache.spark.sql.functions.posexplode(
            col("mask_pixels")).as(new String[] {"pos", "n"}))
        .groupBy("fold", "pos").agg(org.apache.spark.sql.functions.sum("n")).collectAsList()) {
      if (r.getInt(1) < classes) {
        perFold[r.getInt(0)][r.getInt(1)] = r.getLong(2);
      }
    }
    for (int f : folds) {
      long[] pixels = new long[classes];
      for (int g = 0; g < k; g++) {
        for (int c = 0; g != f && c < classes; c++) {
          pixels[c] += perFold[g][c];
        }
      }
      float[] w = io.sparkseg.core.train.ClassWeights.of(tc.classWeights(), pixels);
      out2.put(f, w);
      StringBuilder sb = new StringBuilder("fold " + f + " class weights ("
          + tc.classWeights() + "):");
      for (int c = 0; c < classes; c++) {
        sb.append(String.format(Locale.ROOT, " %s=%.3f", names.get(c), w[c]));
      }
      out.println(sb);
    }
    return out2;
  }

  /**
   * Per fold, its training tiles (all folds but its own) counted by presence pattern (bit c set
   * when class c+1 has pixels in the tile): what repeat-factor sampling is derived from.
   */
  static Map<Integer, Map<Integer, Long>> tilesByPattern(Dataset<Row> tiles, int k,
      List<Integer> folds) {
    Map<Integer, Map<Integer, Long>> perFold = new LinkedHashMap<>();
    for (Row r : tiles.select(col("fold"), org.apache.spark.sql.functions.expr(
            "aggregate(transform(mask_pixels, (n, i) -> IF(n > 0, shiftleft(1, i), 0)), 0, "
                + "(acc, bit) -> acc | bit)").as("pattern"))
        .groupBy("fold", "pattern").count().collectAsList()) {
      perFold.computeIfAbsent(r.getInt(0), x -> new java.util.TreeMap<>())
          .put(r.getInt(1), r.getLong(2));
    }
    Map<Integer, Map<Integer, Long>> training = new LinkedHashMap<>();
    for (int f : folds) {
      Map<Integer, Long> sum = new java.util.TreeMap<>();
      for (int g = 0; g < k; g++) {
        if (g != f) {
          perFold.getOrDefault(g, Map.of()).forEach((p, n) -> sum.merge(p, n, Long::sum));
        }
      }
      training.put(f, sum);
    }
    return training;
  }

  /** A fold's result.json, or null when the fold has not finished. */
  private static FoldResult readResult(SparkSession spark, String file) {
    Path p = new Path(file);
    try {
      org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(
          spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        return null;
      }
      try (java.io.InputStream in = fs.open(p)) {
        return GSON.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8),
            FoldResult.class);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<Integer> range(int k) {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      r.add(i);
    }
    return r;
  }

  /** Mean and (sample) standard deviation over folds of each class's Dice and of the mean. */
  static Map<String, double[]> diceMeanSd(List<FoldResult> results, int classes) {
    return diceMeanSd(results, classes, false);
  }

  /**
   * Mean and sd over folds of Dice per class and their mean; softmax runs add IoU per class,
   * mIoU, pixel accuracy and mean accuracy.
   */
  static Map<String, double[]> diceMeanSd(List<FoldResult> results, int classes,
      boolean softmax) {
    Map<String, double[]> out = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    for (int c = 1; c <= classes; c++) {
      keys.add("dice." + c);
    }
    keys.add("dice.mean");
    if (softmax) {
      for (int c = 1; c <= classes; c++) {
        keys.add("iou." + c);
      }
      keys.addAll(List.of("miou", "pixel_accuracy", "mean_accuracy"));
    }
    for (String key : keys) {
      double[] v = results.stream().mapToDouble(r -> r.metrics().getOrDefault(key, Double.NaN))
          .toArray();
      double mean = Arrays.stream(v).average().orElse(Double.NaN);
      double sd = v.length < 2 ? 0 : Math.sqrt(Arrays.stream(v).map(x -> (x - mean) * (x - mean))
          .sum() / (v.length - 1));
      out.put(key, new double[] {mean, sd});
    }
    return out;
  }

  static List<String> table(Summary s, int classes) {
    return table(s, classes, false, null);
  }

  /**
   * The per-fold table: best score (mean Dice; mIoU for softmax runs) and per class Dice (IoU
   * for softmax runs, columns named by class), then the mean over folds.
   */
  static List<String> table(Summary s, int classes, boolean softmax, List<String> names) {
    if (softmax) {
      return softmaxTable(s, classes, names);
    }
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-5s %5s %7s", "fold",
        "epoch", "dice"));
    for (int c = 1; c <= classes; c++) {
      head.append(String.format(Locale.ROOT, " %7s", "class" + c));
    }
    head.append("  device    seconds  resumed");
    lines.add(head.toString());
    for (FoldResult r : s.folds()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5d %5d %7.4f",
          r.fold(), r.bestEpoch(), r.bestScore()));
      for (int c = 1; c <= classes; c++) {
        line.append(String.format(Locale.ROOT, " %7.4f", r.metrics().get("dice." + c)));
      }
      line.append(String.format(Locale.ROOT, "  %-8s %8.1f  %s", r.device(), r.seconds(),
          r.resumedFromEpoch() > 0 ? "from epoch " + r.resumedFromEpoch() : "-"));
      lines.add(line.toString());
    }
    double[] m = s.diceMeanSd().get("dice.mean");
    StringBuilder mean = new StringBuilder(String.format(Locale.ROOT, "%-11s %7.4f", "mean", m[0]));
    for (int c = 1; c <= classes; c++) {
      double[] v = s.diceMeanSd().get("dice." + c);
      mean.append(String.format(Locale.ROOT, " %7.4f", v[0]));
    }
    lines.add(mean.toString());
    lines.add(String.format(Locale.ROOT, "mean Dice over folds: %.4f ± %.4f", m[0], m[1]));
    return lines;
  }

  private static List<String> softmaxTable(Summary s, int classes, List<String> names) {
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-5s %5s %7s %7s",
        "fold", "epoch", "mIoU", "pixacc"));
    for (int c = 0; c < classes; c++) {
      String n = names.get(c);
      head.append(String.format(Locale.ROOT, " %8s", n.length() > 8 ? n.substring(0, 8) : n));
    }
    head.append("  device    seconds");
    lines.add(head.toString());
    double[] sums = new double[classes + 2];
    for (FoldResult r : s.folds()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5d %5d %7.4f %7.4f",
          r.fold(), r.bestEpoch(), r.bestScore(), r.metrics().getOrDefault("pixel_accuracy",
              Double.NaN)));
      sums[0] += r.bestScore();
      sums[1] += r.metrics().getOrDefault("pixel_accuracy", Double.NaN);
      for (int c = 1; c <= classes; c++) {
        double v = r.metrics().getOrDefault("iou." + c, Double.NaN);
        sums[c + 1] += v;
        line.append(String.format(Locale.ROOT, " %8.4f", v));
      }
      line.append(String.format(Locale.ROOT, "  %-8s %8.1f", r.device(), r.seconds()));
      lines.add(line.toString());
    }
    int n = Math.max(1, s.folds().size());
    StringBuilder mean = new StringBuilder(String.format(Locale.ROOT, "%-11s %7.4f %7.4f",
        "mean", sums[0] / n, sums[1] / n));
    for (int c = 1; c <= classes; c++) {
      mean.append(String.format(Locale.ROOT, " %8.4f", sums[c + 1] / n));
    }
    lines.add(mean.toString());
    lines.add(String.format(Locale.ROOT, "mean mIoU over folds: %.4f (per class: IoU of the "
        + "argmax class maps; best-confusion.csv in each fold folder)", sums[0] / n));
    return lines;
  }

  /** runs/<id>/curves.svg: every fold's loss and Dice per epoch, from its history.json. */
  private static void writeCurves(SparkSession spark, String runDir, String runId,
      List<FoldResult> results) {
    Map<String, List<io.sparkseg.core.train.EpochRecord>> histories = new LinkedHashMap<>();
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    for (FoldResult r : results) {
      Path p = new Path(runDir + "/fold-" + r.fold() + "/history.json");
      try (java.io.InputStream in = p.getFileSystem(conf).open(p)) {
        histories.put("fold " + r.fold(), List.of(GSON.fromJson(new String(in.readAllBytes(),
            StandardCharsets.UTF_8), io.sparkseg.core.train.EpochRecord[].class)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p, e);
      }
    }
    String svg = io.sparkseg.core.viz.TrainingCurves.svg("training run " + runId, histories);
    Path p = new Path(runDir + "/curves.svg");
    try (java.io.OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p, conf)) {
      o.write(svg.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p, e);
    }
  }

  private static void writeSummary(SparkSession spark, String file, Summary s) {
    Path p = new Path(file);
    try (java.io.OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p,
        spark.sparkContext().hadoopConfiguration())) {
      o.write(GSON.toJson(s).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
