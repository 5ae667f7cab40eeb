package io.sparkseg.core.geometry;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;

/**
 * A square window of a photo, {@code side} pixels from {@code (x0, y0)}, resized to
 * {@code size × size}. The window may reach past the photo's edges (x0 or y0 negative, or beyond
 * the far edge): those pixels are padding ({@link #PAD_VALUE}, masks off). The record is the whole
 * transform, so a mask predicted on the crop maps back onto the photo with
 * {@link #maskToPhoto(BinaryMask)}: crop pixel {@code (cx, cy)} covers photo pixels
 * {@code x0 + cx·side/size …} (scale {@code size / side}).
 */
public record SquareCrop(int photoHeight, int photoWidth, int x0, int y0, int side, int size) {

  /** Value of padded pixels. */
  public static final int PAD_VALUE = 0;

  public SquareCrop {
    if (photoHeight <= 0 || photoWidth <= 0 || side <= 0 || size <= 0) {
      throw new IllegalArgumentException("square crop needs positive sizes: photo "
          + photoHeight + "x" + photoWidth + ", side " + side + ", size " + size);
    }
    if (x0 + side <= 0 || y0 + side <= 0 || x0 >= photoWidth || y0 >= photoHeight) {
      throw new IllegalArgumentException("square crop " + side + "@(" + x0 + "," + y0
          + ") does not overlap the " + photoHeight + "x" + photoWidth + " photo");
    }
  }

  /** Crop size / window side. */
  public double scale() {
    return (double) size / side;
  }

  /** True when part of the window lies outside the photo. */
  public boolean padded() {
    return x0 < 0 || y0 < 0 || x0 + side > photoWidth || y0 + side > photoHeight;
  }

  /** Photo x of crop x (continuous coordinates: pixel edges at integers). */
  public double toPhotoX(double x) {
    return x0 + x / scale();
  }

  public double toPhotoY(double y) {
    return y0 + y / scale();
  }

  public double toCropX(double x) {
    return (x - x0) * scale();
  }

  public double toCropY(double y) {
    return (y - y0) * scale();
  }

  /** The window, padded where it leaves the photo, resized to {@code size × size}. */
  public Image8 apply(Image8 photo) {
    checkPhoto(photo.height(), photo.width());
    int c = photo.channels();
    byte[] window = new byte[side * side * c];
    if (PAD_VALUE != 0) {
      java.util.Arrays.fill(window, (byte) PAD_VALUE);
    }
    int colFrom = Math.max(0, x0);
    int colTo = Math.min(photoWidth, x0 + side);
    int rowFrom = Math.max(0, y0);
    int rowTo = Math.min(photoHeight, y0 + side);
    int len = (colTo - colFrom) * c;
    for (int y = rowFrom; y < rowTo; y++) {
      System.arraycopy(photo.data(), (y * photoWidth + colFrom) * c, window,
          ((y - y0) * side + (colFrom - x0)) * c, len);
    }
    return Resize.photo(new Image8(side, side, c, window), size, size);
  }

  /** A photo mask onto the crop: each crop pixel takes the photo pixel under its centre. */
  public BinaryMask maskToCrop(BinaryMask photo) {
    checkPhoto(photo.height(), photo.width());
    BinaryMask out = new BinaryMask(size, size);
    int[] cols = new int[size];
    for (int x = 0; x < size; x++) {
      cols[x] = (int) Math.floor(toPhotoX(x + 0.5));
    }
    for (int y = 0; y < size; y++) {
      int py = (int) Math.floor(toPhotoY(y + 0.5));
      if (py < 0 || py >= photoHeight) {
        continue;
      }
      for (int x = 0; x < size; x++) {
        int px = cols[x];
        if (px >= 0 && px < photoWidth && photo.get(py, px)) {
          out.set(y, x, true);
        }
      }
    }
    return out;
  }

  /**
   * A crop mask back onto the photo, at the photo's size: each photo pixel inside the window
   * takes the crop pixel under its centre; pixels outside the window are off.
   */
  public BinaryMask maskToPhoto(BinaryMask crop) {
    if (crop.height() != size || crop.width() != size) {
      throw new IllegalArgumentException("crop mask is " + crop.height() + "x" + crop.width()
          + ", not " + size + "x" + size);
    }
    BinaryMask out = new BinaryMask(photoHeight, photoWidth);
    int colFrom = Math.max(0, x0);
    int colTo = Math.min(photoWidth, x0 + side);
    int[] cols = new int[colTo - colFrom];
    for (int x = colFrom; x < colTo; x++) {
      cols[x - colFrom] = Math.min(size - 1, (int) Math.floor(toCropX(x + 0.5)));
    }
    for (int y = Math.max(0, y0); y < Math.min(photoHeight, y0 + side); y++) {
      int cy = Math.min(size - 1, (int) Math.floor(toCropY(y + 0.5)));
      for (int x = colFrom; x < colTo; x++) {
        if (crop.get(cy, cols[x - colFrom])) {
          out.set(y, x, true);
        }
      }
    }
    return out;
  }

  /**
   * A crop's probability map (row-major {@code size × size}) back onto the photo, bilinear at
   * each photo pixel centre inside the window; 0 outside it.
   */
  public float[] probabilitiesToPhoto(float[] crop) {
    if (crop.length != size * size) {
      throw new IllegalArgumentException("crop map has " + crop.length + " values, not "
          + size + "x" + size);
    }
    float[] out = new float[photoHeight * photoWidth];
    for (int y = Math.max(0, y0); y < Math.min(photoHeight, y0 + side); y++) {
      double cy = toCropY(y + 0.5) - 0.5;
      for (int x = Math.max(0, x0); x < Math.min(photoWidth, x0 + side); x++) {
        out[y * photoWidth + x] = Resize.sampleBilinear(crop, size, size, cy,
            toCropX(x + 0.5) - 0.5);
      }
    }
    return out;
  }

  private void checkPhoto(int h, int w) {
    if (h != photoHeight || w != photoWidth) {
      throw new IllegalArgumentException("crop made for a " + photoHeight + "x" + photoWidth
          + " photo applied to " + h + "x" + w);
    }
  }
}
