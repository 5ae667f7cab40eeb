package io.sparkseg.core.tiling;

import io.sparkseg.core.mask.BinaryMask;
import java.util.Arrays;

/**
 * Puts per-tile maps (for example class probabilities) back together: each output pixel is the
 * mean of the values every tile covering it gave. Planes are row-major {@code float[h*w]}, one
 * per channel. Not thread-safe; one instance per image.
 */
public final class OverlapStitcher {
  private final TileGeometry geometry;
  private final int channels;
  private final float[][] sum;
  private final int[] count;

  public OverlapStitcher(TileGeometry geometry, int channels) {
    if (channels <= 0) {
      throw new IllegalArgumentException("channels must be positive, got " + channels);
    }
    this.geometry = geometry;
    this.channels = channels;
    int area = geometry.imageHeight() * geometry.imageWidth();
    this.sum = new float[channels][area];
    this.count = new int[area];
  }

  /** Adds one tile's planes ({@code planes[c]} has {@code tile.height() * tile.width()} values). */
  public void add(Tile tile, float[][] planes) {
    if (planes.length != channels) {
      throw new IllegalArgumentException("expected " + channels + " planes, got " + planes.length);
    }
    int th = tile.height();
    int tw = tile.width();
    int w = geometry.imageWidth();
    if (tile.y() < 0 || tile.x() < 0 || tile.y() + th > geometry.imageHeight() || tile.x() + tw > w) {
      throw new IllegalArgumentException(tile + " is outside the image of " + geometry);
    }
    for (int c = 0; c < channels; c++) {
      if (planes[c].length != th * tw) {
        throw new IllegalArgumentException("plane " + c + " has " + planes[c].length
            + " values, tile " + tile + " needs " + th * tw);
      }
      float[] s = sum[c];
      float[] p = planes[c];
      for (int r = 0; r < th; r++) {
        int dst = (tile.y() + r) * w + tile.x();
        int src = r * tw;
        for (int k = 0; k < tw; k++) {
          s[dst + k] += p[src + k];
        }
      }
    }
    for (int r = 0; r < th; r++) {
      int dst = (tile.y() + r) * w + tile.x();
      for (int k = 0; k < tw; k++) {
        count[dst + k]++;
      }
    }
  }

  /** The averaged planes; fails if some pixel was covered by no tile. */
  public float[][] result() {
    for (int i = 0; i < count.length; i++) {
      if (count[i] == 0) {
        int w = geometry.imageWidth();
        throw new IllegalStateException("pixel (" + i / w + "," + i % w + ") was covered by no tile");
      }
    }
    float[][] out = new float[channels][];
    for (int c = 0; c < channels; c++) {
      out[c] = Arrays.copyOf(sum[c], sum[c].length);
      for (int i = 0; i < out[c].length; i++) {
        out[c][i] /= count[i];
      }
    }
    return out;
  }

  /** Mask of {@code plane} values strictly above {@code threshold}. */
  public static BinaryMask threshold(float[] plane, int height, int width, float threshold) {
    byte[] px = new byte[plane.length];
    for (int i = 0; i < plane.length; i++) {
      px[i] = (byte) (plane[i] > threshold ? 1 : 0);
    }
    return BinaryMask.wrap(height, width, px);
  }

  /** A mask as a 0/1 float plane. */
  public static float[] plane(BinaryMask mask) {
    byte[] px = mask.toRowMajor();
    float[] out = new float[px.length];
    for (int i = 0; i < px.length; i++) {
      out[i] = px[i] != 0 ? 1f : 0f;
    }
    return out;
  }
}
