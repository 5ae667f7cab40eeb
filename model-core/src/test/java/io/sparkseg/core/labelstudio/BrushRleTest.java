package io.sparkseg.core.labelstudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BrushRleTest {

  static BinaryMask randomMask(int h, int w, long seed) {
    Random rnd = new Random(seed);
    BinaryMask m = new BinaryMask(h, w);
    for (int k = 0; k < 5; k++) {
      int cy = rnd.nextInt(h);
      int cx = rnd.nextInt(w);
      int r = 2 + rnd.nextInt(Math.max(3, h / 4));
      for (int y = Math.max(0, cy - r); y < Math.min(h, cy + r); y++) {
        for (int x = Math.max(0, cx - r); x < Math.min(w, cx + r); x++) {
          if ((y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r) {
            m.set(y, x, true);
          }
        }
      }
    }
    // scattered single pixels force literal records
    for (int k = 0; k < 20; k++) {
      m.set(rnd.nextInt(h), rnd.nextInt(w), true);
    }
    return m;
  }

  @Test
  void decodesAStreamBuiltFromTheSpec() {
    for (long seed = 1; seed <= 5; seed++) {
      BinaryMask m = randomMask(37, 53, seed);
      int[] values = BrushRleWriter.rgba(m, 255, (int) (seed * 40), 0);
      int[] rle = BrushRleWriter.encode(values, values.length);
      assertEquals(m, BrushRle.decode(rle, 37, 53), "seed " + seed);
    }
  }

  @Test
  void alphaIsTheMaskNotColour() {
    BinaryMask m = randomMask(20, 30, 9);
    int[] values = BrushRleWriter.rgba(m, 0, 0, 0);
    for (int i = 0; i < values.length; i += 4) {
      values[i] = 200; // red everywhere, alpha only where painted
    }
    values[3] = 100; // faint alpha below 128: not painted
    BinaryMask expected = m.copy();
    expected.set(0, 0, false);
    assertEquals(expected, BrushRle.decode(BrushRleWriter.encode(values, values.length), 20, 30));
  }

  @Test
  void emptyAndFullMasks() {
    BinaryMask empty = new BinaryMask(16, 16);
    int[] v = BrushRleWriter.rgba(empty, 0, 0, 0);
    assertEquals(empty, BrushRle.decode(BrushRleWriter.encode(v, v.length), 16, 16));
    BinaryMask full = new BinaryMask(16, 16);
    full.fill(true);
    v = BrushRleWriter.rgba(full, 255, 255, 255);
    assertEquals(full, BrushRle.decode(BrushRleWriter.encode(v, v.length), 16, 16));
  }

  @Test
  void aCountOtherThanWidthTimesHeightTimesFourIsRejected() {
    BinaryMask m = randomMask(10, 10, 2);
    int[] values = BrushRleWriter.rgba(m, 1, 2, 3);
    LabelStudioException e = assertThrows(LabelStudioException.class,
        () -> BrushRle.decode(BrushRleWriter.encode(values, values.length), 10, 12));
    assertEquals(QuarantineReason.BRUSH_SIZE_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains("12x10"), e.getMessage());
  }

  @Test
  void aStreamThatEndsEarlyIsRejected() {
    BinaryMask m = randomMask(10, 10, 3);
    int[] values = BrushRleWriter.rgba(m, 1, 2, 3);
    int[] rle = BrushRleWriter.encode(values, values.length);
    LabelStudioException e = assertThrows(LabelStudioException.class,
        () -> BrushRle.decode(Arrays.copyOf(rle, rle.length / 2), 10, 10));
    assertEquals(QuarantineReason.BRUSH_TRUNCATED, e.reason());
    e = assertThrows(LabelStudioException.class, () -> BrushRle.decode(new int[] {0, 0}, 10, 10));
    assertEquals(QuarantineReason.BRUSH_TRUNCATED, e.reason());
  }

  @Test
  void aRunPastTheCountIsRejected() {
    // declares 4 values (one pixel) but repeats a word 8 times
    int[] values = new int[8];
    int[] rle = BrushRleWriter.encode(values, 4);
    LabelStudioException e = assertThrows(LabelStudioException.class,
        () -> BrushRle.decode(rle, 1, 1));
    assertEquals(QuarantineReason.BRUSH_SIZE_MISMATCH, e.reason());
  }

  @Test
  void theEncoderRoundTripsThroughTheDecoder() {
    for (long seed = 11; seed <= 13; seed++) {
      BinaryMask m = randomMask(45, 70, seed);
      assertEquals(m, BrushRle.decode(BrushRle.encode(m), 45, 70));
    }
  }
}
