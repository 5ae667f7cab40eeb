package io.sparkseg.core.coco;

import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/**
 * COCO's run-length masks: counts of alternating 0 and 1 runs, starting with 0s, over the pixels
 * in column-major order (down each column, columns left to right). The uncompressed form is the
 * list of counts; the compressed form (COCO's {@code "counts": "..."} string) writes each count
 * as 5-bit groups, least significant first, each group a character {@code 48 + bits} with 0x20
 * meaning "more groups follow" and 0x10 in the last group the sign; from the fourth count on,
 * the difference to the count two before is written instead of the count.
 */
public final class CocoRle {
  private CocoRle() {}

  /** A malformed RLE, with what is wrong. */
  public static final class CocoRleException extends IllegalArgumentException {
    CocoRleException(String message) {
      super(message);
    }
  }

  /** The counts of a compressed counts string. */
  public static long[] decodeString(String s) {
    List<Long> counts = new ArrayList<>();
    int p = 0;
    while (p < s.length()) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        if (p >= s.length()) {
          throw new CocoRleException("compressed RLE ends inside a count at character " + p);
        }
        int c = s.charAt(p) - 48;
        if (c < 0 || c > 63) {
          throw new CocoRleException("compressed RLE has character '" + s.charAt(p) + "' at "
              + p + " (expected '0'..'o')");
        }
        if (k > 12) {
          throw new CocoRleException("compressed RLE count too long at character " + p);
        }
        x |= (long) (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) {
          x |= -1L << (5 * k);
        }
      }
      int m = counts.size();
      if (m > 2) {
        x += counts.get(m - 2);
      }
      counts.add(x);
    }
    long[] out = new long[counts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  /** The compressed counts string of {@code counts} (the inverse of {@link #decodeString}). */
  public static String encodeString(long[] counts) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      long x = counts[i];
      if (i > 2) {
        x -= counts[i - 2];
      }
      boolean more = true;
      while (more) {
        int c = (int) (x & 0x1f);
        x >>= 5;
        more = (c & 0x10) != 0 ? x != -1 : x != 0;
        if (more) {
          c |= 0x20;
        }
        sb.append((char) (c + 48));
      }
    }
    return sb.toString();
  }

  /**
   * The mask of {@code counts} over an {@code height × width} image. Fails when a count is
   * negative or the counts do not cover exactly every pixel.
   */
  public static BinaryMask decode(long[] counts, int height, int width) {
    long total = (long) height * width;
    byte[] rowMajor = new byte[Math.toIntExact(total)];
    long at = 0;
    for (int i = 0; i < counts.length; i++) {
      long n = counts[i];
      if (n < 0) {
        throw new CocoRleException("RLE count " + i + " is negative (" + n + ")");
      }
      if (at + n > total) {
        throw new CocoRleException("RLE counts cover " + (at + n) + " pixels by count " + i
            + ", the image has " + total + " (" + height + "x" + width + ")");
      }
      if (i % 2 == 1) {
        for (long q = at; q < at + n; q++) {
          int row = (int) (q % height);
          int col = (int) (q / height);
          rowMajor[row * width + col] = 1;
        }
      }
      at += n;
    }
    if (at != total) {
      throw new CocoRleException("RLE counts cover " + at + " pixels, the image has " + total
          + " (" + height + "x" + width + ")");
    }
    return BinaryMask.wrap(height, width, rowMajor);
  }

  /** The counts of {@code mask} (the inverse of {@link #decode}). */
  public static long[] encode(BinaryMask mask) {
    int h = mask.height();
    int w = mask.width();
    List<Long> counts = new ArrayList<>();
    boolean value = false;
    long run = 0;
    for (int col = 0; col < w; col++) {
      for (int row = 0; row < h; row++) {
        boolean on = mask.get(row, col);
        if (on != value) {
          counts.add(run);
          run = 0;
          value = on;
        }
        run++;
      }
    }
    counts.add(run);
    long[] out = new long[counts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }
}
