package io.sparkseg.jobs.evaluate;

import io.sparkseg.core.metrics.BoundaryF1;
import io.sparkseg.core.metrics.ConfusionMatrix;
import io.sparkseg.core.scene.LabelDecoder;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.io.OutputFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Scores predicted class maps against truth labels file by file: every label under the truth
 * folder is paired with the prediction of the same relative path and name (.png), both are
 * decoded the same way (palette colours or class indices) on the executors, and their confusion
 * matrices are summed; pixels the truth ignores do not count. What {@code evaluate --dataset}
 * prints and {@code predict} reports when {@code dataset.test-labels} is set. A truth without
 * prediction and a pair that cannot be compared are counted and named, not silently skipped.
 */
public final class ClassMapEvaluation {
  /** Boundary F1 tolerance in pixels. */
  static final int TOLERANCE = 2;

  private ClassMapEvaluation() {}

  /** The summed confusion, the pairs scored, and what could not be scored (file: why). */
  public record Result(ConfusionMatrix confusion, BoundaryF1 boundary, long truthFiles,
      long scored, List<String> missingPredictions, List<String> unreadable)
      implements java.io.Serializable {

    /** mIoU and the majority-class baseline's mIoU. */
    public double[] miouAndBaseline() {
      return new double[] {confusion.meanIou(), confusion.majorityBaseline().meanIou()};
    }
  }

  /** Scores {@code predictions} against {@code truth}; both folders in the same layout. */
  public static Result run(SparkSession spark, LabelDecoder decoder, String predictions,
      String truth) {
    Inputs.requireExists(spark, "truth labels", truth, true);
    List<String> truthFiles = Inputs.listFiles(spark, truth, "*");
    Map<String, String> predicted = new HashMap<>();
    if (Inputs.exists(spark, predictions)) {
      for (String p : Inputs.listFiles(spark, predictions, "*.png")) {
        String rel = Inputs.relative(p, predictions);
        if (rel != null) {
          predicted.put(stem(rel), p);
        }
      }
    }
    List<Tuple2<String, String>> pairs = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String t : truthFiles) {
      String rel = Inputs.relative(t, truth);
      String p = rel == null ? null : predicted.get(stem(rel));
      if (p == null) {
        missing.add(t);
      } else {
        pairs.add(new Tuple2<>(p, t));
      }
    }
    int classes = decoder.classes();
    org.apache.spark.util.SerializableConfiguration conf =
        new org.apache.spark.util.SerializableConfiguration(
            spark.sparkContext().hadoopConfiguration());
    spark.sparkContext().setJobDescription("evaluate: " + pairs.size() + " class maps");
    List<Result> parts = pairs.isEmpty() ? List.of() : JavaSparkContext
        .fromSparkContext(spark.sparkContext())
        .parallelize(pairs, Math.max(1, Math.min(pairs.size(),
            spark.sparkContext().defaultParallelism() * 2)))
        .mapPartitions((Iterator<Tuple2<String, String>> it) -> {
          ConfusionMatrix m = new ConfusionMatrix(classes);
          BoundaryF1 b = new BoundaryF1(classes, TOLERANCE);
          List<String> bad = new ArrayList<>();
          long n = 0;
          while (it.hasNext()) {
            Tuple2<String, String> pt = it.next();
            try {
              decoder.score(m, b, Inputs.readBytes(pt._1(), conf.value()), pt._1(),
                  Inputs.readBytes(pt._2(), conf.value()), pt._2());
              n++;
            } catch (LabelDecoder.LabelException e) {
              bad.add(e.reason().code() + ": " + e.getMessage());
            } catch (IOException e) {
              bad.add("unreadable: " + pt._1() + " / " + pt._2() + ": " + e.getMessage());
            }
          }
          return List.of(new Result(m, b, 0, n, List.of(), bad)).iterator();
        }).collect();
    ConfusionMatrix total = new ConfusionMatrix(classes);
    BoundaryF1 boundary = new BoundaryF1(classes, TOLERANCE);
    long scored = 0;
    List<String> unreadable = new ArrayList<>();
    for (Result r : parts) {
      total.merge(r.confusion());
      boundary.merge(r.boundary());
      scored += r.scored();
      unreadable.addAll(r.unreadable());
    }
    return new Result(total, boundary, truthFiles.size(), scored, missing, unreadable);
  }

  /** Prints the per-class table, the summary and the baseline; writes confusion.csv. */
  public static List<String> report(Result r, List<String> names, String confusionCsv,
      Configuration hadoop) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%d truth label(s), %d scored, %d without prediction, "
        + "%d not comparable", r.truthFiles(), r.scored(), r.missingPredictions().size(),
        r.unreadable().size()));
    r.missingPredictions().stream().limit(5).forEach(m -> lines.add("  no prediction for " + m));
    r.unreadable().stream().limit(5).forEach(m -> lines.add("  " + m));
    if (r.scored() == 0) {
      return lines;
    }
    lines.addAll(r.confusion().table(names));
    Map<String, Double> bf = r.boundary().asMap();
    StringBuilder bline = new StringBuilder(String.format(Locale.ROOT, "boundary F1 (%d px): "
        + "%.4f;", TOLERANCE, bf.get("bf1.mean")));
    for (int c = 0; c < names.size(); c++) {
      bline.append(String.format(Locale.ROOT, " %s %.3f", names.get(c), bf.get("bf1." + (c + 1))));
    }
    lines.add(bline.toString());
    double[] m = r.miouAndBaseline();
    lines.add(String.format(Locale.ROOT, "mIoU %.4f against %.4f for the majority class "
        + "everywhere", m[0], m[1]));
    if (confusionCsv != null) {
      Path p = new Path(confusionCsv);
      try {
        OutputFiles.replaceAtomically(p, hadoop, o -> o.write(r.confusion().toCsv(names)
            .getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
      }
      lines.add("confusion matrix (rows: truth, columns: predicted): " + confusionCsv);
    }
    return lines;
  }

  /** Convenience: run, print, return. */
  public static Result print(SparkSession spark, LabelDecoder decoder, List<String> names,
      String predictions, String truth, String confusionCsv, PrintStream out) {
    Result r = run(spark, decoder, predictions, truth);
    report(r, names, confusionCsv, spark.sparkContext().hadoopConfiguration())
        .forEach(out::println);
    return r;
  }

  private static String stem(String relative) {
    return relative.replaceAll("\\.[A-Za-z0-9]+$", "");
  }
}
