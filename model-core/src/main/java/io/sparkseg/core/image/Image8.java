package io.sparkseg.core.image;

import java.util.Objects;

/**
 * An 8-bit image, interleaved HWC (channel fastest), 1 (grey) or 3 (RGB) channels.
 * The array is owned by the image: callers must not modify it after construction.
 */
public record Image8(int height, int width, int channels, byte[] data) {
  public Image8 {
    Objects.requireNonNull(data, "data");
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (data.length != height * width * channels) {
      throw new IllegalArgumentException("pixel data has " + data.length + " bytes, expected "
          + height + "x" + width + "x" + channels);
    }
  }

  /** Equal when size, channels and every pixel are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Image8 i && i.height == height && i.width == width
        && i.channels == channels && java.util.Arrays.equals(i.data, data);
  }

  @Override
  public int hashCode() {
    return (31 * (31 * height + width) + channels) * 31 + java.util.Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Image8[" + height + "x" + width + "x" + channels + "]";
  }

  /** Unsigned value of pixel (row, col), channel c. */
  public int get(int row, int col, int c) {
    return data[(row * width + col) * channels + c] & 0xFF;
  }

  /** True when every pixel has equal channels (always for a 1-channel image). */
  public boolean isGrey() {
    if (channels == 1) {
      return true;
    }
    for (int i = 0; i < data.length; i += 3) {
      if (data[i] != data[i + 1] || data[i] != data[i + 2]) {
        return false;
      }
    }
    return true;
  }

  /** The first channel as a 1-channel image (exact for images where {@link #isGrey()}). */
  public Image8 firstChannel() {
    if (channels == 1) {
      return this;
    }
    byte[] out = new byte[height * width];
    for (int i = 0, j = 0; i < out.length; i++, j += channels) {
      out[i] = data[j];
    }
    return new Image8(height, width, 1, out);
  }

  /** Copies the {@code h × w} window at (row, col). */
  public Image8 crop(int row, int col, int h, int w) {
    if (row < 0 || col < 0 || row + h > height || col + w > width) {
      throw new IllegalArgumentException("crop " + h + "x" + w + "@(" + row + "," + col
          + ") outside " + height + "x" + width);
    }
    byte[] out = new byte[h * w * channels];
    int rowBytes = w * channels;
    for (int r = 0; r < h; r++) {
      System.arraycopy(data, ((row + r) * width + col) * channels, out, r * rowBytes, rowBytes);
    }
    return new Image8(h, w, channels, out);
  }
}
