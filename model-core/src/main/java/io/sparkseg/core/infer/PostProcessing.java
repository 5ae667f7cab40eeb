package io.sparkseg.core.infer;

import io.sparkseg.core.mask.BinaryMask;
import java.util.List;

/**
 * Turning probability planes into masks: per-class threshold and component areas (8-connected
 * components smaller than the minimum or larger than the maximum are dropped), the adaptive
 * threshold scan, and ensemble averaging. Planes are row-major {@code float[h*w]}.
 */
public final class PostProcessing {
  private PostProcessing() {}

  /** Mean of equally weighted probability maps ({@code maps.get(model)[class][pixel]}). */
  public static float[][] average(List<float[][]> maps) {
    if (maps.isEmpty()) {
      throw new IllegalArgumentException("nothing to average");
    }
    float[][] first = maps.get(0);
    float[][] out = new float[first.length][first[0].length];
    for (float[][] m : maps) {
      if (m.length != first.length || m[0].length != first[0].length) {
        throw new IllegalArgumentException("probability maps differ in shape");
      }
      for (int c = 0; c < m.length; c++) {
        for (int i = 0; i < m[c].length; i++) {
          out[c][i] += m[c][i];
        }
      }
    }
    for (float[] plane : out) {
      for (int i = 0; i < plane.length; i++) {
        plane[i] /= maps.size();
      }
    }
    return out;
  }

  /** Pixels above {@code threshold}, keeping only 8-connected components of >= minArea pixels. */
  public static BinaryMask mask(float[] plane, int h, int w, float threshold, int minArea) {
    return mask(plane, h, w, threshold, minArea, 0);
  }

  /**
   * Pixels above {@code threshold}, keeping only 8-connected components of at least
   * {@code minArea} and at most {@code maxArea} pixels (0 = no maximum).
   */
  public static BinaryMask mask(float[] plane, int h, int w, float threshold, int minArea,
      int maxArea) {
    byte[] on = new byte[plane.length];
    for (int i = 0; i < plane.length; i++) {
      on[i] = (byte) (plane[i] > threshold ? 1 : 0);
    }
    if (minArea > 1 || maxArea > 0) {
      filterComponents(on, h, w, minArea, maxArea);
    }
    return BinaryMask.wrap(h, w, on);
  }

  /**
   * The adaptive threshold scan: try each threshold in order (e.g. 0.5, 0.3, 0.15) and return
   * the first mask whose kept area reaches {@code minArea}; if none does, the empty mask (a safe
   * negative).
   */
  public static BinaryMask adaptive(float[] plane, int h, int w, float[] thresholds, int minArea) {
    return adaptiveScan(plane, h, w, thresholds, minArea).mask();
  }

  /** The mask of an adaptive scan and the threshold that produced it (NaN: none did). */
  public record Scan(BinaryMask mask, float threshold) {
    public boolean found() {
      return !Float.isNaN(threshold);
    }
  }

  /** As {@link #adaptive}, also saying which threshold fired. */
  public static Scan adaptiveScan(float[] plane, int h, int w, float[] thresholds, int minArea) {
    return adaptiveScan(plane, h, w, thresholds, minArea, 0);
  }

  /**
   * As {@link #adaptiveScan(float[], int, int, float[], int)}, counting only components of at
   * most {@code maxArea} pixels (0 = no maximum): at each threshold larger ones are dropped
   * before the kept area is compared with {@code minArea}.
   */
  public static Scan adaptiveScan(float[] plane, int h, int w, float[] thresholds, int minArea,
      int maxArea) {
    for (float t : thresholds) {
      BinaryMask m = mask(plane, h, w, t, minArea, maxArea);
      if (m.count() >= Math.max(1, minArea)) {
        return new Scan(m, t);
      }
    }
    return new Scan(new BinaryMask(h, w), Float.NaN);
  }

  /**
   * Clears 8-connected components with fewer than {@code minArea} or (when {@code maxArea} > 0)
   * more than {@code maxArea} pixels, in place.
   */
  static void filterComponents(byte[] on, int h, int w, int minArea, int maxArea) {
    Components comps = Components.of(on, h, w);
    for (int i = 0; i < on.length; i++) {
      int l = comps.label()[i];
      if (l != 0 && !keeps(comps.size()[l], minArea, maxArea)) {
        on[i] = 0;
      }
    }
  }

  /** Whether a component of {@code size} pixels is kept by the area bounds (maxArea 0 = none). */
  static boolean keeps(long size, int minArea, int maxArea) {
    return size >= minArea && (maxArea == 0 || size <= maxArea);
  }
}
