package io.sparkseg.core.metrics;

import io.sparkseg.core.scene.ClassMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Boundary F1 per class (the BF score of Csurka et al., "What is a good evaluation measure for
 * semantic segmentation?", 2013): how well a class's predicted outline matches the truth's,
 * which IoU barely sees on large regions. A pixel of class c is on its boundary when a
 * 4-neighbour inside the image is of another class. Precision: predicted boundary pixels within
 * {@code tolerance} pixels (Chebyshev distance) of a true boundary pixel; recall: the reverse;
 * F1 = 2PR / (P + R). Counts are summed over all images before dividing; pixels the truth
 * ignores count for nothing. NaN when a class has no boundary in prediction and truth.
 */
public final class BoundaryF1 implements java.io.Serializable {
  private final int classes;
  private final int tolerance;
  /** Per class: predicted boundary pixels, those matched, true boundary pixels, those matched. */
  private final long[] predicted;
  private final long[] predictedMatched;
  private final long[] truth;
  private final long[] truthMatched;

  public BoundaryF1(int classes, int tolerance) {
    if (classes < 1 || tolerance < 0) {
      throw new IllegalArgumentException("classes >= 1 and tolerance >= 0, got " + classes
          + ", " + tolerance);
    }
    this.classes = classes;
    this.tolerance = tolerance;
    predicted = new long[classes];
    predictedMatched = new long[classes];
    truth = new long[classes];
    truthMatched = new long[classes];
  }

  /** Adds one image's prediction against its truth (same size). */
  public void add(ClassMap p, ClassMap t) {
    if (p.height() != t.height() || p.width() != t.width()) {
      throw new IllegalArgumentException("prediction and truth differ in size");
    }
    int h = t.height();
    int w = t.width();
    boolean[] valid = new boolean[h * w];
    for (int i = 0; i < valid.length; i++) {
      valid[i] = (t.classes()[i] & 0xFF) != ClassMap.IGNORE;
    }
    for (int c = 0; c < classes; c++) {
      boolean[] bp = boundary(p, c, valid);
      boolean[] bt = boundary(t, c, valid);
      boolean[] nearT = dilate(bt, h, w);
      boolean[] nearP = dilate(bp, h, w);
      for (int i = 0; i < bp.length; i++) {
        if (bp[i]) {
          predicted[c]++;
          predictedMatched[c] += nearT[i] ? 1 : 0;
        }
        if (bt[i]) {
          truth[c]++;
          truthMatched[c] += nearP[i] ? 1 : 0;
        }
      }
    }
  }

  public void merge(BoundaryF1 o) {
    for (int c = 0; c < classes; c++) {
      predicted[c] += o.predicted[c];
      predictedMatched[c] += o.predictedMatched[c];
      truth[c] += o.truth[c];
      truthMatched[c] += o.truthMatched[c];
    }
  }

  /** The boundary F1 of class index c. */
  public double f1(int c) {
    if (predicted[c] == 0 && truth[c] == 0) {
      return Double.NaN;
    }
    double prec = predicted[c] == 0 ? 0 : (double) predictedMatched[c] / predicted[c];
    double rec = truth[c] == 0 ? 0 : (double) truthMatched[c] / truth[c];
    return prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec);
  }

  /** {@code bf1.c} per class (1-based) and {@code bf1.mean} over classes with a boundary. */
  public Map<String, Double> asMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    double sum = 0;
    int n = 0;
    for (int c = 0; c < classes; c++) {
      double f = f1(c);
      m.put("bf1." + (c + 1), f);
      if (!Double.isNaN(f)) {
        sum += f;
        n++;
      }
    }
    m.put("bf1.mean", n == 0 ? Double.NaN : sum / n);
    return m;
  }

  private static boolean[] boundary(ClassMap m, int c, boolean[] valid) {
    int h = m.height();
    int w = m.width();
    boolean[] b = new boolean[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        if (!valid[i] || m.get(y, x) != c) {
          continue;
        }
        b[i] = y > 0 && m.get(y - 1, x) != c || y + 1 < h && m.get(y + 1, x) != c
            || x > 0 && m.get(y, x - 1) != c || x + 1 < w && m.get(y, x + 1) != c;
      }
    }
    return b;
  }

  /** Square dilation by {@code tolerance} (separable running window). */
  private boolean[] dilate(boolean[] in, int h, int w) {
    if (tolerance == 0) {
      return in;
    }
    boolean[] rows = new boolean[in.length];
    for (int y = 0; y < h; y++) {
      int last = Integer.MIN_VALUE / 2;
      for (int x = 0; x < w + tolerance; x++) {
        if (x < w && in[y * w + x]) {
          last = x;
        }
        int target = x - tolerance;
        if (target >= 0 && target < w) {
          // nearest set pixel at or left of x within reach; also check the left side below
          rows[y * w + target] = x - last <= 2 * tolerance;
        }
      }
    }
    boolean[] out = new boolean[in.length];
    for (int x = 0; x < w; x++) {
      int last = Integer.MIN_VALUE / 2;
      for (int y = 0; y < h + tolerance; y++) {
        if (y < h && rows[y * w + x]) {
          last = y;
        }
        int target = y - tolerance;
        if (target >= 0 && target < h) {
          out[target * w + x] = y - last <= 2 * tolerance;
        }
      }
    }
    return out;
  }
}
