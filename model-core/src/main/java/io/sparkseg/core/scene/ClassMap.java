package io.sparkseg.core.scene;

import io.sparkseg.core.mask.BinaryMask;
import java.util.Arrays;

/**
 * A semantic label: one class index per pixel, row-major, {@code 0..classes-1}, or
 * {@link #IGNORE} where the pixel counts for no class (void, Pascal VOC's border, COCO crowd
 * regions when configured so). Every pixel has exactly one value.
 */
public record ClassMap(int height, int width, byte[] classes) {
  /** The index of pixels that losses and metrics skip. */
  public static final int IGNORE = 255;

  public ClassMap {
    if (height <= 0 || width <= 0 || classes.length != height * width) {
      throw new IllegalArgumentException("class map of " + height + "x" + width + " needs "
          + ((long) height * width) + " pixels, got " + classes.length);
    }
  }

  /** The most probable class of each pixel ({@code probs[c]}: class c's plane, row-major). */
  public static ClassMap argmax(float[][] probs, int h, int w) {
    byte[] out = new byte[h * w];
    for (int p = 0; p < out.length; p++) {
      int best = 0;
      for (int c = 1; c < probs.length; c++) {
        if (probs[c][p] > probs[best][p]) {
          best = c;
        }
      }
      out[p] = (byte) best;
    }
    return new ClassMap(h, w, out);
  }

  /**
   * The class map of one-class-per-pixel masks ({@code masks[c]}: class c's pixels, null when
   * absent); a pixel of no mask is {@link #IGNORE}.
   */
  public static ClassMap ofMasks(BinaryMask[] masks, int h, int w) {
    byte[] out = new byte[h * w];
    Arrays.fill(out, (byte) IGNORE);
    for (int c = 0; c < masks.length; c++) {
      if (masks[c] == null) {
        continue;
      }
      byte[] on = masks[c].toRowMajor();
      for (int p = 0; p < out.length; p++) {
        if (on[p] != 0) {
          out[p] = (byte) c;
        }
      }
    }
    return new ClassMap(h, w, out);
  }

  /** The class index at (row, col), 0..254, or {@link #IGNORE}. */
  public int get(int row, int col) {
    return classes[row * width + col] & 0xFF;
  }

  /** Pixels per class index 0..255 (index 255 = ignored pixels). */
  public long[] histogram() {
    long[] h = new long[256];
    for (byte b : classes) {
      h[b & 0xFF]++;
    }
    return h;
  }

  /** The pixels of class {@code c} as a mask. */
  public BinaryMask mask(int c) {
    byte[] on = new byte[classes.length];
    for (int i = 0; i < on.length; i++) {
      on[i] = (byte) ((classes[i] & 0xFF) == c ? 1 : 0);
    }
    return BinaryMask.wrap(height, width, on);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassMap m && m.height == height && m.width == width
        && Arrays.equals(m.classes, classes);
  }

  @Override
  public int hashCode() {
    return (31 * height + width) * 31 + Arrays.hashCode(classes);
  }

  @Override
  public String toString() {
    return "ClassMap[" + height + "x" + width + "]";
  }
}
