package io.sparkseg.core.rle;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;

/**
 * Kaggle run-length encoding: space-separated {@code start length} pairs, starts 1-indexed,
 * pixels numbered top to bottom, then left to right (column-major). Runs must be positive,
 * sorted, non-overlapping (touching is allowed) and inside the image. An empty or blank string
 * is the empty mask.
 */
public final class Rle {
  private Rle() {}

  /** Parses and validates {@code rle} for an image of the given size; see {@link RleException}. */
  public static int[] parse(String rle, int height, int width) {
    if (rle == null || rle.isBlank()) {
      return new int[0];
    }
    String[] tokens = rle.trim().split("\\s+");
    if (tokens.length % 2 != 0) {
      throw new RleException(QuarantineReason.RLE_ODD_LENGTH,
          "RLE has " + tokens.length + " numbers; start/length pairs need an even count");
    }
    long total = (long) height * width;
    int[] runs = new int[tokens.length];
    long previousEnd = 0; // 1-indexed last pixel of the previous run
    for (int i = 0; i < tokens.length; i += 2) {
      long start = number(tokens[i], i);
      long length = number(tokens[i + 1], i + 1);
      if (start <= 0 || length <= 0) {
        throw new RleException(QuarantineReason.RLE_NON_POSITIVE,
            "run " + (i / 2 + 1) + " has start " + start + " and length " + length
                + "; both must be positive");
      }
      if (i > 0 && start <= runs[i - 2]) {
        throw new RleException(QuarantineReason.RLE_UNSORTED,
            "run " + (i / 2 + 1) + " starts at " + start + ", not after the previous start "
                + runs[i - 2]);
      }
      if (start <= previousEnd) {
        throw new RleException(QuarantineReason.RLE_OVERLAPPING,
            "run " + (i / 2 + 1) + " starts at " + start + " inside the previous run ending at "
                + previousEnd);
      }
      // checked before adding: start + length - 1 can overflow a long
      if (start > total || length > total - start + 1) {
        throw new RleException(QuarantineReason.RLE_OUT_OF_RANGE,
            "run " + (i / 2 + 1) + " (start " + start + ", length " + length + ") ends past "
                + "the last pixel of a " + height + "x" + width + " image (" + total + ")");
      }
      long end = start + length - 1;
      runs[i] = (int) start;
      runs[i + 1] = (int) length;
      previousEnd = end;
    }
    return runs;
  }

  private static long number(String token, int index) {
    try {
      return Long.parseLong(token);
    } catch (NumberFormatException e) {
      if (token.matches("[+-]?[0-9]+")) {
        throw new RleException(QuarantineReason.RLE_OUT_OF_RANGE,
            "token " + (index + 1) + " '" + abbreviate(token) + "' does not fit in 64 bits");
      }
      throw new RleException(QuarantineReason.RLE_NOT_A_NUMBER,
          "token " + (index + 1) + " '" + abbreviate(token) + "' is not an integer");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 20 ? s : s.substring(0, 20) + "...";
  }

  /** Decodes {@code rle} into a new mask; validates as {@link #parse} does. */
  public static BinaryMask decode(String rle, int height, int width) {
    BinaryMask mask = new BinaryMask(height, width);
    int[] runs = parse(rle, height, width);
    for (int i = 0; i < runs.length; i += 2) {
      int p = runs[i] - 1;
      for (int k = 0; k < runs[i + 1]; k++, p++) {
        mask.set(p % height, p / height, true);
      }
    }
    return mask;
  }

  /** Number of pixels an RLE covers, after validation. */
  public static long pixelCount(String rle, int height, int width) {
    int[] runs = parse(rle, height, width);
    long n = 0;
    for (int i = 1; i < runs.length; i += 2) {
      n += runs[i];
    }
    return n;
  }

  /** Encodes a mask; the empty mask gives the empty string. */
  public static String encode(BinaryMask mask) {
    int h = mask.height();
    int w = mask.width();
    StringBuilder sb = new StringBuilder();
    int runStart = -1;
    int index = 0;
    for (int col = 0; col < w; col++) {
      for (int row = 0; row < h; row++, index++) {
        boolean on = mask.get(row, col);
        if (on && runStart < 0) {
          runStart = index;
        } else if (!on && runStart >= 0) {
          append(sb, runStart, index - runStart);
          runStart = -1;
        }
      }
    }
    if (runStart >= 0) {
      append(sb, runStart, index - runStart);
    }
    return sb.toString();
  }

  private static void append(StringBuilder sb, int start0, int length) {
    if (sb.length() > 0) {
      sb.append(' ');
    }
    sb.append(start0 + 1).append(' ').append(length);
  }
}
