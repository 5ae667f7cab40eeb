package io.sparkseg.core.infer;

import io.sparkseg.core.mask.BinaryMask;
import java.io.Serializable;
import java.util.List;

/**
 * Per-class {@link ClassRule}s applied to an image's probability planes
 * ({@code probabilities[class][row-major pixel]}).
 */
public record PostProcessor(List<ClassRule> rules) implements Serializable {
  public PostProcessor {
    rules = List.copyOf(rules);
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("post-processing needs a rule per class");
    }
  }

  /** The same rule for every class. */
  public static PostProcessor uniform(int classes, ClassRule rule) {
    return new PostProcessor(java.util.Collections.nCopies(classes, rule));
  }

  public int classes() {
    return rules.size();
  }

  /** One mask per class. */
  public BinaryMask[] apply(float[][] probabilities, int height, int width) {
    checkPlanes(probabilities);
    BinaryMask[] out = new BinaryMask[rules.size()];
    for (int c = 0; c < out.length; c++) {
      ClassRule r = rules.get(c);
      float[] plane = probabilities[c];
      out[c] = gated(r, plane)
          ? new BinaryMask(height, width)
          : PostProcessing.mask(plane, height, width, r.threshold(), r.minArea(),
              r.maxArea());
    }
    return out;
  }

  /**
   * The adaptive threshold scan per class (person photos): each class's rule with its
   * threshold replaced by the first of {@code thresholds} whose mask keeps the rule's minimum
   * area in components within its area bounds; the rule's gate (minimum peak probability)
   * still applies. A class no threshold satisfies gets the empty mask and a NaN threshold.
   */
  public PostProcessing.Scan[] scan(float[][] probabilities, int height, int width,
      float[] thresholds) {
    checkPlanes(probabilities);
    PostProcessing.Scan[] out = new PostProcessing.Scan[rules.size()];
    for (int c = 0; c < out.length; c++) {
      ClassRule r = rules.get(c);
      float[] plane = probabilities[c];
      out[c] = gated(r, plane)
          ? new PostProcessing.Scan(new BinaryMask(height, width), Float.NaN)
          : PostProcessing.adaptiveScan(plane, height, width, thresholds, r.minArea(),
              r.maxArea());
    }
    return out;
  }

  private void checkPlanes(float[][] probabilities) {
    if (probabilities.length != rules.size()) {
      throw new IllegalArgumentException("expected " + rules.size() + " class planes, got "
          + probabilities.length);
    }
  }

  /** Whether the rule's gate empties the class: its plane never reaches the minimum peak. */
  private static boolean gated(ClassRule r, float[] plane) {
    return r.minMaxProbability() > 0f && max(plane) < r.minMaxProbability();
  }

  /** The largest value of a plane. */
  public static float max(float[] plane) {
    float m = Float.NEGATIVE_INFINITY;
    for (float v : plane) {
      m = Math.max(m, v);
    }
    return m;
  }
}
