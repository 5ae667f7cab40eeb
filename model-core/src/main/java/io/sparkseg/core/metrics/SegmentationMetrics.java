package io.sparkseg.core.metrics;

import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Accumulates per-class segmentation metrics over images, for binary (multi-label) masks.
 * <ul>
 *   <li>{@code dice}: Kaggle's mean Dice over (image, class) pairs, an empty prediction of an
 *       empty truth scoring 1;
 *   <li>{@code iou}: the same mean for IoU;
 *   <li>{@code precision}, {@code recall}, {@code f1}, {@code pixel_accuracy}: pixel counts
 *       pooled over all images;
 *   <li>{@code presence_accuracy}, {@code presence_f1}: image level, "does the image have this
 *       class" from a non-empty mask;
 *   <li>{@code boundary_f1}: mean over images of the F1 of boundary pixels matched within
 *       {@link #BOUNDARY_TOLERANCE} pixels (both boundaries empty = 1);
 *   <li>{@code miou} and {@code mean_accuracy}: the mean over classes of IoU and of per-class
 *       pixel recall, the usual multi-class summaries.
 * </ul>
 * Not thread-safe; merge partial results with {@link #merge}.
 */
public final class SegmentationMetrics {
  /** Boundary pixels this close (Chebyshev distance) count as matched. */
  public static final int BOUNDARY_TOLERANCE = 2;
  private final int classes;
  private final double[] boundaryF1Sum;
  private final long[] tp;
  private final long[] fp;
  private final long[] fn;
  private final long[] tn;
  private final double[] diceSum;
  private final double[] iouSum;
  private final long[] images;
  private final long[][] presence; // per class: tp, fp, fn, tn at image level

  public SegmentationMetrics(int classes) {
    this.classes = classes;
    tp = new long[classes];
    fp = new long[classes];
    fn = new long[classes];
    tn = new long[classes];
    diceSum = new double[classes];
    iouSum = new double[classes];
    images = new long[classes];
    presence = new long[classes][4];
    boundaryF1Sum = new double[classes];
  }

  /** Adds one image's prediction and truth for class index {@code c} (0-based). */
  public void add(int c, BinaryMask predicted, BinaryMask truth) {
    if (predicted.height() != truth.height() || predicted.width() != truth.width()) {
      throw new IllegalArgumentException("prediction " + predicted + " and truth " + truth
          + " differ in size");
    }
    long t = 0;
    long f = 0;
    long n = 0;
    long area = (long) truth.height() * truth.width();
    for (int r = 0; r < truth.height(); r++) {
      for (int x = 0; x < truth.width(); x++) {
        boolean p = predicted.get(r, x);
        boolean y = truth.get(r, x);
        if (p && y) {
          t++;
        } else if (p) {
          f++;
        } else if (y) {
          n++;
        }
      }
    }
    tp[c] += t;
    fp[c] += f;
    fn[c] += n;
    tn[c] += area - t - f - n;
    diceSum[c] += kaggleDice(t, f, n);
    iouSum[c] += t + f + n == 0 ? 1.0 : (double) t / (t + f + n);
    images[c]++;
    boundaryF1Sum[c] += boundaryF1(predicted, truth, BOUNDARY_TOLERANCE);
    boolean predPresent = t + f > 0;
    boolean truePresent = t + n > 0;
    presence[c][predPresent && truePresent ? 0 : predPresent ? 1 : truePresent ? 2 : 3]++;
  }

  /** Kaggle's Dice from a pair's true positives, false positives and false negatives. */
  private static double kaggleDice(long t, long f, long n) {
    return t + f + n == 0 ? 1.0 : 2.0 * t / (2.0 * t + f + n);
  }

  /**
   * Kaggle's Dice of one (image, class) pair, as {@link #dice(int)} averages them: 1 when both
   * are empty; null stands for an empty mask.
   */
  public static double pairDice(BinaryMask predicted, BinaryMask truth) {
    long np = predicted == null ? 0 : predicted.count();
    long nt = truth == null ? 0 : truth.count();
    long both = 0;
    if (np > 0 && nt > 0) {
      for (int r = 0; r < truth.height(); r++) {
        for (int x = 0; x < truth.width(); x++) {
          if (predicted.get(r, x) && truth.get(r, x)) {
            both++;
          }
        }
      }
    }
    return kaggleDice(both, np - both, nt - both);
  }

  /** Adds all classes of one image. */
  public void add(BinaryMask[] predicted, BinaryMask[] truth) {
    for (int c = 0; c < classes; c++) {
      add(c, predicted[c], truth[c]);
    }
  }

  public void merge(SegmentationMetrics other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("cannot merge metrics of " + other.classes
          + " classes into " + classes);
    }
    for (int c = 0; c < classes; c++) {
      tp[c] += other.tp[c];
      fp[c] += other.fp[c];
      fn[c] += other.fn[c];
      tn[c] += other.tn[c];
      diceSum[c] += other.diceSum[c];
      iouSum[c] += other.iouSum[c];
      images[c] += other.images[c];
      boundaryF1Sum[c] += other.boundaryF1Sum[c];
      for (int k = 0; k < 4; k++) {
        presence[c][k] += other.presence[c][k];
      }
    }
  }

  public int classes() {
    return classes;
  }

  public double dice(int c) {
    return images[c] == 0 ? Double.NaN : diceSum[c] / images[c];
  }

  public double iou(int c) {
    return images[c] == 0 ? Double.NaN : iouSum[c] / images[c];
  }

  public double precision(int c) {
    return ratio(tp[c], tp[c] + fp[c]);
  }

  public double recall(int c) {
    return ratio(tp[c], tp[c] + fn[c]);
  }

  public double f1(int c) {
    return ratio(2 * tp[c], 2 * tp[c] + fp[c] + fn[c]);
  }

  public double pixelAccuracy(int c) {
    return ratio(tp[c] + tn[c], tp[c] + tn[c] + fp[c] + fn[c]);
  }

  public double presenceAccuracy(int c) {
    long[] p = presence[c];
    return ratio(p[0] + p[3], p[0] + p[1] + p[2] + p[3]);
  }

  public double presenceF1(int c) {
    long[] p = presence[c];
    return ratio(2 * p[0], 2 * p[0] + p[1] + p[2]);
  }

  public double boundaryF1(int c) {
    return images[c] == 0 ? Double.NaN : boundaryF1Sum[c] / images[c];
  }

  /** Boundary F1 of one mask pair: boundary pixels matched within {@code tolerance}. */
  public static double boundaryF1(BinaryMask predicted, BinaryMask truth, int tolerance) {
    boolean[] pb = boundary(predicted);
    boolean[] tb = boundary(truth);
    int h = truth.height();
    int w = truth.width();
    long pCount = 0;
    long tCount = 0;
    long pMatched = 0;
    long tMatched = 0;
    for (int i = 0; i < pb.length; i++) {
      if (pb[i]) {
        pCount++;
        pMatched += near(tb, h, w, i, tolerance) ? 1 : 0;
      }
      if (tb[i]) {
        tCount++;
        tMatched += near(pb, h, w, i, tolerance) ? 1 : 0;
      }
    }
    if (pCount == 0 && tCount == 0) {
      return 1.0;
    }
    if (pCount == 0 || tCount == 0) {
      return 0.0;
    }
    double precision = (double) pMatched / pCount;
    double recall = (double) tMatched / tCount;
    return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
  }

  /** Pixels that are on and have a 4-neighbour off (or lie on the image edge). */
  private static boolean[] boundary(BinaryMask m) {
    int h = m.height();
    int w = m.width();
    boolean[] b = new boolean[h * w];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        if (m.get(r, c)) {
          b[r * w + c] = r == 0 || c == 0 || r == h - 1 || c == w - 1 || !m.get(r - 1, c)
              || !m.get(r + 1, c) || !m.get(r, c - 1) || !m.get(r, c + 1);
        }
      }
    }
    return b;
  }

  private static boolean near(boolean[] b, int h, int w, int i, int d) {
    int r = i / w;
    int c = i % w;
    for (int rr = Math.max(0, r - d); rr <= Math.min(h - 1, r + d); rr++) {
      for (int cc = Math.max(0, c - d); cc <= Math.min(w - 1, c + d); cc++) {
        if (b[rr * w + cc]) {
          return true;
        }
      }
    }
    return false;
  }

  /** Mean over classes of Kaggle Dice: the competition's score. */
  public double meanDice() {
    double s = 0;
    for (int c = 0; c < classes; c++) {
      s += dice(c);
    }
    return s / classes;
  }

  private static double ratio(long num, long den) {
    return den == 0 ? Double.NaN : (double) num / den;
  }

  /** Per-class and mean values by metric name ({@code dice.1}, ..., {@code dice.mean}). */
  public Map<String, Double> asMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    String[] names = {"dice", "iou", "precision", "recall", "f1", "pixel_accuracy",
        "presence_accuracy", "presence_f1", "boundary_f1"};
    for (String name : names) {
      double sum = 0;
      int counted = 0;
      for (int c = 0; c < classes; c++) {
        double v = value(name, c);
        m.put(name + "." + (c + 1), v);
        if (!Double.isNaN(v)) {
          sum += v;
          counted++;
        }
      }
      m.put(name + ".mean", counted == 0 ? Double.NaN : sum / counted);
    }
    m.put("miou", m.get("iou.mean"));
    m.put("mean_accuracy", m.get("recall.mean"));
    return m;
  }

  private double value(String name, int c) {
    return switch (name) {
      case "dice" -> dice(c);
      case "iou" -> iou(c);
      case "precision" -> precision(c);
      case "recall" -> recall(c);
      case "f1" -> f1(c);
      case "pixel_accuracy" -> pixelAccuracy(c);
      case "presence_accuracy" -> presenceAccuracy(c);
      case "presence_f1" -> presenceF1(c);
      case "boundary_f1" -> boundaryF1(c);
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** One line per class for logs. */
  public List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-6s %6s %6s %6s %6s %8s", "class", "dice", "iou",
        "prec", "recall", "presence"));
    for (int c = 0; c < classes; c++) {
      lines.add(String.format(Locale.ROOT, "%-6d %6.3f %6.3f %6.3f %6.3f %8.3f", c + 1, dice(c),
          iou(c), precision(c), recall(c), presenceAccuracy(c)));
    }
    lines.add(String.format(Locale.ROOT, "%-6s %6.3f", "mean", meanDice()));
    return lines;
  }
}
