package io.sparkseg.core.infer;

import java.io.Serializable;

/**
 * How one class's probability plane becomes its mask: pixels above {@code threshold}, then
 * 8-connected components smaller than {@code minArea} pixels dropped, and components larger than
 * {@code maxArea} pixels dropped too (0 = no cap: for a class of small things, such as pits, a
 * large region is another class the model mistook for it), and the whole mask dropped when the
 * plane's maximum probability is below {@code minMaxProbability} (image-level gating; 0 = off).
 */
public record ClassRule(float threshold, int minArea, int maxArea, float minMaxProbability)
    implements Serializable {
  public static final ClassRule DEFAULT = new ClassRule(0.5f, 0, 0, 0f);

  public ClassRule {
    if (!(threshold >= 0f && threshold < 1f)) {
      throw new IllegalArgumentException("threshold must be in [0, 1), got " + threshold);
    }
    if (minArea < 0) {
      throw new IllegalArgumentException("minimum area must be >= 0, got " + minArea);
    }
    if (maxArea < 0) {
      throw new IllegalArgumentException("maximum area must be >= 0 (0 = no cap), got "
          + maxArea);
    }
    if (!(minMaxProbability >= 0f && minMaxProbability <= 1f)) {
      throw new IllegalArgumentException("gate (minimum max probability) must be in [0, 1], got "
          + minMaxProbability);
    }
  }

  /** A maximum area as people read it: "-" for none (0). */
  public static String maxAreaText(int maxArea) {
    return maxArea == 0 ? "-" : String.valueOf(maxArea);
  }

  /** A rule without a maximum component area. */
  public ClassRule(float threshold, int minArea, float minMaxProbability) {
    this(threshold, minArea, 0, minMaxProbability);
  }
}
