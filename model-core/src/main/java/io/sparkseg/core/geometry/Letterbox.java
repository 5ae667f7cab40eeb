package io.sparkseg.core.geometry;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;

/**
 * The ultralytics letterbox: a {@code srcHeight × srcWidth} image is scaled by
 * {@code r = min(size / srcHeight, size / srcWidth)} to {@code round(srcWidth·r) ×
 * round(srcHeight·r)} (bilinear) and centred on a {@code size × size} canvas filled with 114.
 * Ultralytics splits the padding as {@code round(d/2 − 0.1)} before and
 * {@code round(d/2 + 0.1)} after, so an odd remainder puts the extra pixel after.
 *
 * <p>The inverse maps canvas coordinates back to the source: {@code x_src = (x − padX) / r}.
 */
public record Letterbox(int srcHeight, int srcWidth, int size, double ratio, int newWidth,
    int newHeight, int padX, int padY) {

  /** Ultralytics' padding value. */
  public static final int PAD_VALUE = 114;

  public static Letterbox of(int srcHeight, int srcWidth, int size) {
    if (srcHeight <= 0 || srcWidth <= 0 || size <= 0) {
      throw new IllegalArgumentException(
          "letterbox needs positive sizes, got " + srcHeight + "x" + srcWidth + " -> " + size);
    }
    double r = Math.min((double) size / srcHeight, (double) size / srcWidth);
    int newW = (int) Math.round(srcWidth * r);
    int newH = (int) Math.round(srcHeight * r);
    double dw = (size - newW) / 2.0;
    double dh = (size - newH) / 2.0;
    int left = (int) Math.round(dw - 0.1);
    int top = (int) Math.round(dh - 0.1);
    return new Letterbox(srcHeight, srcWidth, size, r, newW, newH, left, top);
  }

  /** The letterboxed canvas: RGB (grey input is expanded), padding {@value #PAD_VALUE}. */
  public Image8 apply(Image8 src) {
    if (src.height() != srcHeight || src.width() != srcWidth) {
      throw new IllegalArgumentException("letterbox for " + srcHeight + "x" + srcWidth
          + " applied to " + src.height() + "x" + src.width());
    }
    Image8 rgb = Resize.toRgb(src);
    Image8 scaled = Resize.bilinear(rgb, newHeight, newWidth);
    byte[] out = new byte[size * size * 3];
    java.util.Arrays.fill(out, (byte) PAD_VALUE);
    int rowBytes = newWidth * 3;
    for (int y = 0; y < newHeight; y++) {
      System.arraycopy(scaled.data(), y * rowBytes, out, ((y + padY) * size + padX) * 3,
          rowBytes);
    }
    return new Image8(size, size, 3, out);
  }

  /** Source x of canvas x. */
  public double toSourceX(double x) {
    return (x - padX) / ratio;
  }

  /** Source y of canvas y. */
  public double toSourceY(double y) {
    return (y - padY) / ratio;
  }

  /** Canvas x of source x. */
  public double toCanvasX(double x) {
    return x * ratio + padX;
  }

  /** Canvas y of source y. */
  public double toCanvasY(double y) {
    return y * ratio + padY;
  }

  /**
   * A map over the whole canvas (row-major {@code size × size}) sampled back to the source size:
   * each source pixel centre takes the bilinear value at its canvas position.
   */
  public float[] mapToSource(float[] canvas) {
    return mapToSource(canvas, size, size);
  }

  /**
   * A map over the canvas at a lower resolution ({@code mapHeight × mapWidth} covering the whole
   * {@code size × size} canvas, e.g. YOLO's 160×160 prototypes) sampled bilinearly at every
   * source pixel centre.
   */
  public float[] mapToSource(float[] map, int mapHeight, int mapWidth) {
    double sy = (double) mapHeight / size;
    double sx = (double) mapWidth / size;
    float[] out = new float[srcHeight * srcWidth];
    for (int y = 0; y < srcHeight; y++) {
      double cy = (toCanvasY(y + 0.5)) * sy - 0.5;
      for (int x = 0; x < srcWidth; x++) {
        double cx = (toCanvasX(x + 0.5)) * sx - 0.5;
        out[y * srcWidth + x] = Resize.sampleBilinear(map, mapHeight, mapWidth, cy, cx);
      }
    }
    return out;
  }

  /** A canvas mask back at source size (nearest: a source pixel takes its centre's value). */
  public BinaryMask maskToSource(BinaryMask canvas) {
    if (canvas.height() != size || canvas.width() != size) {
      throw new IllegalArgumentException("canvas mask is " + canvas.height() + "x"
          + canvas.width() + ", not " + size + "x" + size);
    }
    BinaryMask out = new BinaryMask(srcHeight, srcWidth);
    for (int y = 0; y < srcHeight; y++) {
      int cy = clamp((int) Math.floor(toCanvasY(y + 0.5)), size);
      for (int x = 0; x < srcWidth; x++) {
        int cx = clamp((int) Math.floor(toCanvasX(x + 0.5)), size);
        out.set(y, x, canvas.get(cy, cx));
      }
    }
    return out;
  }

  /** A source mask onto the canvas (nearest; padding stays off). */
  public BinaryMask maskToCanvas(BinaryMask src) {
    BinaryMask out = new BinaryMask(size, size);
    for (int y = padY; y < padY + newHeight; y++) {
      int sy = clamp((int) Math.floor(toSourceY(y + 0.5)), srcHeight);
      for (int x = padX; x < padX + newWidth; x++) {
        int sx = clamp((int) Math.floor(toSourceX(x + 0.5)), srcWidth);
        out.set(y, x, src.get(sy, sx));
      }
    }
    return out;
  }

  private static int clamp(int v, int n) {
    return Math.max(0, Math.min(n - 1, v));
  }
}
