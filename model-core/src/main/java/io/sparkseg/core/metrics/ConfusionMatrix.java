package io.sparkseg.core.metrics;

import io.sparkseg.core.scene.ClassMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pixel counts of (true class, predicted class) for one-class-per-pixel segmentation, pixels whose
 * truth is {@link ClassMap#IGNORE} left out: the source of IoU per class and mIoU, pixel accuracy,
 * mean (per-class) accuracy and Dice. A class absent from both truth and prediction has no IoU
 * (NaN) and is left out of the means, as in the usual mIoU. Mergeable: sum matrices over
 * partitions or folds.
 */
public final class ConfusionMatrix implements java.io.Serializable {
  private final int classes;
  /** counts[truth * classes + predicted]. */
  private final long[] counts;

  public ConfusionMatrix(int classes) {
    if (classes < 2) {
      throw new IllegalArgumentException("a confusion matrix needs at least 2 classes");
    }
    this.classes = classes;
    this.counts = new long[classes * classes];
  }

  public int classes() {
    return classes;
  }

  /** Adds a prediction against its truth (same size; predictions must not be ignore). */
  public void add(ClassMap predicted, ClassMap truth) {
    if (predicted.height() != truth.height() || predicted.width() != truth.width()) {
      throw new IllegalArgumentException("prediction " + predicted + " and truth " + truth
          + " differ in size");
    }
    byte[] p = predicted.classes();
    byte[] t = truth.classes();
    for (int i = 0; i < t.length; i++) {
      int tc = t[i] & 0xFF;
      if (tc == ClassMap.IGNORE) {
        continue;
      }
      int pc = p[i] & 0xFF;
      if (tc >= classes || pc >= classes) {
        throw new IllegalArgumentException("class index " + Math.max(tc, pc) + " at pixel " + i
            + " is outside 0.." + (classes - 1));
      }
      counts[tc * classes + pc]++;
    }
  }

  public void merge(ConfusionMatrix other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("cannot merge " + other.classes + " classes into "
          + classes);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
  }

  /**
   * The majority-class baseline: every counted pixel predicted as the class most frequent in
   * this matrix's truth (what a model that learned nothing but the prior would score).
   */
  public ConfusionMatrix majorityBaseline() {
    int majority = 0;
    for (int c = 1; c < classes; c++) {
      if (truthTotal(c) > truthTotal(majority)) {
        majority = c;
      }
    }
    ConfusionMatrix m = new ConfusionMatrix(classes);
    for (int t = 0; t < classes; t++) {
      m.counts[t * classes + majority] = truthTotal(t);
    }
    return m;
  }

  /** All pixels counted (truth pixels that are not ignored). */
  public long total() {
    long s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }

  /** Pixels of true class {@code t} predicted as {@code p}. */
  public long count(int t, int p) {
    return counts[t * classes + p];
  }

  private long truthTotal(int c) {
    long s = 0;
    for (int p = 0; p < classes; p++) {
      s += count(c, p);
    }
    return s;
  }

  private long predictedTotal(int c) {
    long s = 0;
    for (int t = 0; t < classes; t++) {
      s += count(t, c);
    }
    return s;
  }

  /** TP / (TP + FP + FN); NaN when the class is in neither truth nor prediction. */
  public double iou(int c) {
    long tp = count(c, c);
    long union = truthTotal(c) + predictedTotal(c) - tp;
    return union == 0 ? Double.NaN : (double) tp / union;
  }

  /** 2 TP / (|truth| + |prediction|); NaN when both are empty. */
  public double dice(int c) {
    long denom = truthTotal(c) + predictedTotal(c);
    return denom == 0 ? Double.NaN : 2.0 * count(c, c) / denom;
  }

  /** Recall of class {@code c}: TP / |truth|; NaN when the class is not in the truth. */
  public double accuracy(int c) {
    long t = truthTotal(c);
    return t == 0 ? Double.NaN : (double) count(c, c) / t;
  }

  /** Correct pixels over all counted pixels. */
  public double pixelAccuracy() {
    long all = 0;
    long right = 0;
    for (int c = 0; c < classes; c++) {
      right += count(c, c);
      all += truthTotal(c);
    }
    return all == 0 ? Double.NaN : (double) right / all;
  }

  private static double meanOf(double[] v) {
    double s = 0;
    int n = 0;
    for (double x : v) {
      if (!Double.isNaN(x)) {
        s += x;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  public double meanIou() {
    double[] v = new double[classes];
    for (int c = 0; c < classes; c++) {
      v[c] = iou(c);
    }
    return meanOf(v);
  }

  public double meanAccuracy() {
    double[] v = new double[classes];
    for (int c = 0; c < classes; c++) {
      v[c] = accuracy(c);
    }
    return meanOf(v);
  }

  /**
   * The metrics by name, classes numbered from 1 as elsewhere in sparkseg: {@code iou.c},
   * {@code dice.c}, {@code accuracy.c}, {@code miou}, {@code pixel_accuracy},
   * {@code mean_accuracy}, {@code dice.mean}.
   */
  public Map<String, Double> asMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    double[] dice = new double[classes];
    for (int c = 0; c < classes; c++) {
      m.put("iou." + (c + 1), iou(c));
      dice[c] = dice(c);
      m.put("dice." + (c + 1), dice[c]);
      m.put("accuracy." + (c + 1), accuracy(c));
    }
    m.put("miou", meanIou());
    m.put("pixel_accuracy", pixelAccuracy());
    m.put("mean_accuracy", meanAccuracy());
    m.put("dice.mean", meanOf(dice));
    return m;
  }

  /** The matrix as CSV: header {@code truth\predicted,<names>}, one row per true class. */
  public String toCsv(List<String> names) {
    if (names.size() != classes) {
      throw new IllegalArgumentException(classes + " classes, " + names.size() + " names");
    }
    StringBuilder sb = new StringBuilder("truth\\predicted");
    names.forEach(n -> sb.append(',').append(n));
    sb.append('\n');
    for (int t = 0; t < classes; t++) {
      sb.append(names.get(t));
      for (int p = 0; p < classes; p++) {
        sb.append(',').append(count(t, p));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Lines of a per-class table (IoU, accuracy) and the summary, for reports. */
  public List<String> table(List<String> names) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-16s %8s %8s %12s", "class", "IoU", "acc",
        "pixels"));
    for (int c = 0; c < classes; c++) {
      lines.add(String.format(Locale.ROOT, "%-16s %8.4f %8.4f %12d", names.get(c), iou(c),
          accuracy(c), truthTotal(c)));
    }
    lines.add(String.format(Locale.ROOT, "mIoU %.4f, pixel accuracy %.4f, mean accuracy %.4f",
        meanIou(), pixelAccuracy(), meanAccuracy()));
    return lines;
  }
}
