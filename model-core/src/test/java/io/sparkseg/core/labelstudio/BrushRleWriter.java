package io.sparkseg.core.labelstudio;

import io.sparkseg.core.mask.BinaryMask;
import java.io.ByteArrayOutputStream;

/**
 * Test-side encoder of Label Studio's brush RLE, written from the format's description (not
 * from the decoder): header, then records alternating repeated runs and literal runs.
 */
public final class BrushRleWriter {
  private final StringBuilder bits = new StringBuilder();

  private void write(long value, int n) {
    for (int k = n - 1; k >= 0; k--) {
      bits.append((value >>> k) & 1);
    }
  }

  /** RGBA values of a mask: painted pixels (r, g, b, 255), others (0, 0, 0, 0). */
  public static int[] rgba(BinaryMask m, int r, int g, int b) {
    int[] v = new int[m.height() * m.width() * 4];
    for (int y = 0; y < m.height(); y++) {
      for (int x = 0; x < m.width(); x++) {
        if (m.get(y, x)) {
          int o = (y * m.width() + x) * 4;
          v[o] = r;
          v[o + 1] = g;
          v[o + 2] = b;
          v[o + 3] = 255;
        }
      }
    }
    return v;
  }

  /** Encodes {@code values} (8-bit words) with run-size fields 3, 5, 8 and 16 bits. */
  public static int[] encode(int[] values, long declaredCount) {
    BrushRleWriter w = new BrushRleWriter();
    int[] runBits = {3, 5, 8, 16};
    w.write(declaredCount, 32);
    w.write(8 - 1, 5);
    for (int rb : runBits) {
      w.write(rb - 1, 4);
    }
    int i = 0;
    while (i < values.length) {
      int j = i;
      while (j < values.length && values[j] == values[i] && j - i < 65536) {
        j++;
      }
      if (j - i >= 3) {
        w.record(true, j - i, runBits);
        w.write(values[i], 8);
        i = j;
      } else {
        // literal words until the next run of 3 equal values (at most 256 per record)
        int k = i;
        while (k < values.length && k - i < 256
            && !(k + 2 < values.length && values[k] == values[k + 1] && values[k] == values[k + 2])) {
          k++;
        }
        if (k == i) {
          k = i + 1;
        }
        w.record(false, k - i, runBits);
        for (int t = i; t < k; t++) {
          w.write(values[t], 8);
        }
        i = k;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (w.bits.length() % 8 != 0) {
      w.bits.append('0');
    }
    for (int p = 0; p < w.bits.length(); p += 8) {
      out.write(Integer.parseInt(w.bits.substring(p, p + 8), 2));
    }
    byte[] b = out.toByteArray();
    int[] result = new int[b.length];
    for (int k = 0; k < b.length; k++) {
      result[k] = b[k] & 0xFF;
    }
    return result;
  }

  private void record(boolean repeat, int length, int[] runBits) {
    write(repeat ? 1 : 0, 1);
    int index = 0;
    while ((1L << runBits[index]) < length) {
      index++;
    }
    write(index, 2);
    write(length - 1, runBits[index]);
  }
}
