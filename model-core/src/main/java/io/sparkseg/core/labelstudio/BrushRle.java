package io.sparkseg.core.labelstudio;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;

/**
 * Label Studio's brush RLE (the label-studio-converter bit stream), read MSB first from a list
 * of bytes: a 32-bit count of values (width × height × 4: RGBA), a 5-bit word size − 1, four
 * 4-bit run-size fields (each bit width − 1), then records until the count is reached: 1 flag
 * bit, a 2-bit index into the run sizes, the run length − 1 in that many bits; flag 1 = one word
 * repeated for the run, flag 0 = that many literal words. The alpha channel (every fourth value)
 * is the mask: on where alpha ≥ 128.
 */
public final class BrushRle {
  private BrushRle() {}

  /** Decodes {@code bytes} (each 0..255) into a {@code height × width} mask. */
  public static BinaryMask decode(int[] bytes, int height, int width) {
    Bits in = new Bits(bytes);
    long count = in.read(32);
    long expected = 4L * height * width;
    if (count != expected) {
      throw new LabelStudioException(QuarantineReason.BRUSH_SIZE_MISMATCH, "brush RLE holds "
          + count + " values, but a " + width + "x" + height + " image needs " + expected
          + " (width x height x 4)");
    }
    int wordSize = (int) in.read(5) + 1;
    int[] runSizes = new int[4];
    for (int k = 0; k < 4; k++) {
      runSizes[k] = (int) in.read(4) + 1;
    }
    BinaryMask mask = new BinaryMask(height, width);
    long i = 0;
    while (i < count) {
      boolean repeat = in.read(1) == 1;
      long j = i + 1 + in.read(runSizes[(int) in.read(2)]);
      if (j > count) {
        throw new LabelStudioException(QuarantineReason.BRUSH_SIZE_MISMATCH, "brush RLE run "
            + "ends at value " + j + ", past its count " + count);
      }
      if (repeat) {
        long v = in.read(wordSize);
        if (v >= 128) {
          setAlpha(mask, width, i, j);
        }
        i = j;
      } else {
        for (; i < j; i++) {
          if (in.read(wordSize) >= 128 && i % 4 == 3) {
            int p = (int) (i / 4);
            mask.set(p / width, p % width, true);
          }
        }
      }
    }
    return mask;
  }

  /**
   * Encodes a mask as Label Studio stores a brush: RGBA values (painted pixels
   * {@code (255, 0, 0, 255)}, others 0), 8-bit words, run-size fields of 4, 8, 12 and 16 bits,
   * every run of equal values as one repeat record.
   */
  public static int[] encode(BinaryMask mask) {
    int h = mask.height();
    int w = mask.width();
    long count = 4L * h * w;
    BitWriter out = new BitWriter();
    int[] runBits = {4, 8, 12, 16};
    out.write(count, 32);
    out.write(7, 5);
    for (int b : runBits) {
      out.write(b - 1, 4);
    }
    long i = 0;
    while (i < count) {
      int v = value(mask, w, i);
      long j = i + 1;
      while (j < count && j - i < (1 << 16) && value(mask, w, j) == v) {
        j++;
      }
      long len = j - i;
      int k = 0;
      while ((1L << runBits[k]) < len) {
        k++;
      }
      out.write(1, 1);
      out.write(k, 2);
      out.write(len - 1, runBits[k]);
      out.write(v, 8);
      i = j;
    }
    return out.bytes();
  }

  private static int value(BinaryMask mask, int width, long index) {
    int p = (int) (index / 4);
    int channel = (int) (index % 4);
    boolean on = mask.get(p / width, p % width);
    return on && (channel == 0 || channel == 3) ? 255 : 0;
  }

  /** MSB-first bit writer. */
  private static final class BitWriter {
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    private int current;
    private int used;

    void write(long value, int n) {
      for (int k = n - 1; k >= 0; k--) {
        current = (current << 1) | (int) ((value >>> k) & 1);
        if (++used == 8) {
          out.write(current);
          current = 0;
          used = 0;
        }
      }
    }

    int[] bytes() {
      if (used > 0) {
        out.write(current << (8 - used));
        current = 0;
        used = 0;
      }
      byte[] b = out.toByteArray();
      int[] r = new int[b.length];
      for (int k = 0; k < b.length; k++) {
        r[k] = b[k] & 0xFF;
      }
      return r;
    }
  }

  /** Sets the pixels whose alpha value index lies in [from, to). */
  private static void setAlpha(BinaryMask mask, int width, long from, long to) {
    long first = from + ((3 - from % 4) + 4) % 4; // first index ≡ 3 (mod 4) at or after from
    for (long k = first; k < to; k += 4) {
      int p = (int) (k / 4);
      mask.set(p / width, p % width, true);
    }
  }

  /** MSB-first bit reader. */
  private static final class Bits {
    private final int[] bytes;
    private long pos;

    Bits(int[] bytes) {
      this.bytes = bytes;
    }

    long read(int n) {
      if (pos + n > 8L * bytes.length) {
        throw new LabelStudioException(QuarantineReason.BRUSH_TRUNCATED, "brush RLE ends early: "
            + n + " more bits needed at bit " + pos + " of " + 8L * bytes.length);
      }
      long v = 0;
      for (int k = 0; k < n; k++, pos++) {
        int b = bytes[(int) (pos >>> 3)];
        v = (v << 1) | ((b >>> (7 - (pos & 7))) & 1);
      }
      return v;
    }
  }
}
