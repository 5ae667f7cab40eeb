package io.sparkseg.core.rle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RleTest {
  private static final int H = 256;
  private static final int W = 1600;

  @Test
  void pixelsAreNumberedDownColumnsFromOne() {
    BinaryMask m = Rle.decode("2 1 " + (H + 1) + " 1", H, W);
    assertTrue(m.get(1, 0), "pixel 2 is row 1 of column 0");
    assertTrue(m.get(0, 1), "pixel H+1 is row 0 of column 1");
    assertEquals(2, m.count());
  }

  @Test
  void firstAndLastPixel() {
    BinaryMask first = Rle.decode("1 1", H, W);
    assertTrue(first.get(0, 0));
    assertEquals(1, first.count());
    BinaryMask last = Rle.decode(H * W + " 1", H, W);
    assertTrue(last.get(H - 1, W - 1));
    assertEquals(1, last.count());
    assertEquals("1 1", Rle.encode(first));
    assertEquals(H * W + " 1", Rle.encode(last));
  }

  @Test
  void fullColumnAndWholeImage() {
    BinaryMask column = Rle.decode((3 * H + 1) + " " + H, H, W);
    for (int r = 0; r < H; r++) {
      assertTrue(column.get(r, 3));
    }
    assertEquals(H, column.count());
    assertEquals((3 * H + 1) + " " + H, Rle.encode(column));

    BinaryMask all = Rle.decode("1 " + H * W, H, W);
    assertEquals(H * W, all.count());
    assertEquals("1 " + H * W, Rle.encode(all));
  }

  @Test
  void emptyMaskIsEmptyString() {
    assertTrue(Rle.decode("", H, W).isEmpty());
    assertTrue(Rle.decode("   ", H, W).isEmpty());
    assertTrue(Rle.decode(null, H, W).isEmpty());
    assertEquals("", Rle.encode(new BinaryMask(H, W)));
  }

  @Test
  void runsThatTouchAreValidAndMergeOnEncode() {
    BinaryMask m = Rle.decode("1 2 3 2", H, W);
    assertEquals(4, m.count());
    assertEquals("1 4", Rle.encode(m));
  }

  @Test
  void randomMasksRoundTrip() {
    Random rnd = new Random(1);
    for (int t = 0; t < 50; t++) {
      int h = 1 + rnd.nextInt(40);
      int w = 1 + rnd.nextInt(60);
      BinaryMask m = new BinaryMask(h, w);
      double p = rnd.nextDouble();
      for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
          m.set(r, c, rnd.nextDouble() < p);
        }
      }
      String rle = Rle.encode(m);
      assertEquals(m, Rle.decode(rle, h, w), "round trip of " + h + "x" + w);
      assertEquals(m.count(), Rle.pixelCount(rle, h, w));
    }
  }

  @ParameterizedTest
  @CsvSource({
      "'1 2 3',          RLE_ODD_LENGTH",
      "'1 a',            RLE_NOT_A_NUMBER",
      "'1.5 2',          RLE_NOT_A_NUMBER",
      "'-3 2',           RLE_NON_POSITIVE",
      "'0 2',            RLE_NON_POSITIVE",
      "'5 0',            RLE_NON_POSITIVE",
      "'10 2 5 2',       RLE_UNSORTED",
      "'10 5 12 2',      RLE_OVERLAPPING",
      "'409600 2',       RLE_OUT_OF_RANGE",
      "'409601 1',       RLE_OUT_OF_RANGE",
      "'99999999999999999999 1', RLE_OUT_OF_RANGE",
  })
  void rejectsBrokenRle(String rle, QuarantineReason reason) {
    RleException e = assertThrows(RleException.class, () -> Rle.parse(rle, H, W));
    assertEquals(reason, e.reason(), e.getMessage());
    assertFalse(e.getMessage().isBlank());
  }

  @org.junit.jupiter.api.Test
  void hugeNumbersAreOutOfRangeNotOverflows() {
    for (String rle : new String[] {"2 9223372036854775807", "9223372036854775807 2",
        "1 4 9223372036854775800 9", "5 99999999999999999999999"}) {
      RleException e = org.junit.jupiter.api.Assertions.assertThrows(RleException.class,
          () -> Rle.parse(rle, 10, 10), rle);
      org.junit.jupiter.api.Assertions.assertEquals(
          io.sparkseg.core.quality.QuarantineReason.RLE_OUT_OF_RANGE, e.reason(), rle);
      org.junit.jupiter.api.Assertions.assertThrows(RleException.class,
          () -> Rle.pixelCount(rle, 10, 10));
    }
    org.junit.jupiter.api.Assertions.assertEquals(100, Rle.pixelCount("1 100", 10, 10));
    org.junit.jupiter.api.Assertions.assertThrows(RleException.class,
        () -> Rle.parse("1 101", 10, 10));
  }
}
