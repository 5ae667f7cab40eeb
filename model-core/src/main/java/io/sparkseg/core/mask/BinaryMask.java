package io.sparkseg.core.mask;

import java.util.Arrays;

/**
 * A binary mask of {@code height × width} pixels, stored row-major, one byte per pixel (0 or 1).
 * Mutable only through {@link #set}; copies are explicit.
 */
public final class BinaryMask {
  private final int height;
  private final int width;
  private final byte[] pixels;

  public BinaryMask(int height, int width) {
    this(height, width, new byte[checkedArea(height, width)]);
  }

  private BinaryMask(int height, int width, byte[] pixels) {
    this.height = height;
    this.width = width;
    this.pixels = pixels;
  }

  /** Wraps row-major 0/1 values (any non-zero byte counts as 1) without copying. */
  public static BinaryMask wrap(int height, int width, byte[] rowMajor) {
    if (rowMajor.length != checkedArea(height, width)) {
      throw new IllegalArgumentException(
          "mask data has " + rowMajor.length + " pixels, expected " + height + "x" + width);
    }
    return new BinaryMask(height, width, rowMajor);
  }

  private static int checkedArea(int height, int width) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("mask size must be positive, got " + height + "x" + width);
    }
    return Math.multiplyExact(height, width);
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public boolean get(int row, int col) {
    return pixels[row * width + col] != 0;
  }

  public void set(int row, int col, boolean on) {
    pixels[row * width + col] = (byte) (on ? 1 : 0);
  }

  /** Number of pixels set. */
  public int count() {
    int n = 0;
    for (byte b : pixels) {
      if (b != 0) {
        n++;
      }
    }
    return n;
  }

  public boolean isEmpty() {
    for (byte b : pixels) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Copies the {@code h × w} window whose top-left corner is (row, col). */
  public BinaryMask crop(int row, int col, int h, int w) {
    if (row < 0 || col < 0 || row + h > height || col + w > width) {
      throw new IllegalArgumentException("crop " + h + "x" + w + "@(" + row + "," + col
          + ") outside " + height + "x" + width);
    }
    byte[] out = new byte[h * w];
    for (int r = 0; r < h; r++) {
      System.arraycopy(pixels, (row + r) * width + col, out, r * w, w);
    }
    return new BinaryMask(h, w, out);
  }

  /** A copy of the row-major pixel bytes. */
  public byte[] toRowMajor() {
    return pixels.clone();
  }

  public BinaryMask copy() {
    return new BinaryMask(height, width, pixels.clone());
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BinaryMask m) || m.height != height || m.width != width) {
      return false;
    }
    for (int i = 0; i < pixels.length; i++) {
      if ((pixels[i] != 0) != (m.pixels[i] != 0)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 31 * height + width;
    for (byte b : pixels) {
      h = 31 * h + (b != 0 ? 1 : 0);
    }
    return h;
  }

  @Override
  public String toString() {
    return "BinaryMask[" + height + "x" + width + ", " + count() + " on]";
  }

  /** Fills every pixel with {@code on}. */
  public void fill(boolean on) {
    Arrays.fill(pixels, (byte) (on ? 1 : 0));
  }
}
