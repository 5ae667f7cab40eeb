package io.sparkseg.core.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * Per-class cross-entropy weights from class pixel frequencies (counted at ingest): {@code none},
 * {@code inverse} (total / (classes · count), scikit-learn's "balanced") or
 * {@code median-frequency} (median frequency / frequency, Eigen and Fergus). A class with no
 * pixel gets weight 0: it cannot be learned from this data and must not blow up the loss.
 */
public final class ClassWeights {
  private ClassWeights() {}

  /** The weights {@code scheme} gives for {@code pixels} per class; null for {@code none}. */
  public static float[] of(String scheme, long[] pixels) {
    return switch (scheme.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> null;
      case "inverse" -> inverse(pixels);
      case "median-frequency" -> medianFrequency(pixels);
      default -> throw new IllegalArgumentException("class weights '" + scheme + "': expected "
          + "none, inverse or median-frequency");
    };
  }

  public static float[] inverse(long[] pixels) {
    long total = Arrays.stream(pixels).sum();
    float[] w = new float[pixels.length];
    for (int c = 0; c < w.length; c++) {
      w[c] = pixels[c] == 0 ? 0f : (float) ((double) total / ((double) pixels.length * pixels[c]));
    }
    return w;
  }

  public static float[] medianFrequency(long[] pixels) {
    long total = Arrays.stream(pixels).sum();
    double[] present = Arrays.stream(pixels).filter(n -> n > 0)
        .mapToDouble(n -> (double) n / total).sorted().toArray();
    if (present.length == 0) {
      return new float[pixels.length];
    }
    int n = present.length;
    double median = n % 2 == 1 ? present[n / 2] : (present[n / 2 - 1] + present[n / 2]) / 2;
    float[] w = new float[pixels.length];
    for (int c = 0; c < w.length; c++) {
      w[c] = pixels[c] == 0 ? 0f : (float) (median / ((double) pixels[c] / total));
    }
    return w;
  }
}
