package io.sparkseg.core.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** COCO's RLE against strings built by hand from the format, and round trips. */
class CocoRleTest {
  @Test
  void decodesStringsBuiltByHandFromTheFormat() {
    // 0 -> '0'; 3 -> '3'; 2 -> '2' (no delta before the fourth count); 4 - 3 = 1 -> '1'
    assertArrayEquals(new long[] {0, 3, 2, 4}, CocoRle.decodeString("0321"));
    // 100 = 3·32 + 4: low group 4 with "more" (0x20) = 36 -> 'T', then 3 -> '3'
    assertArrayEquals(new long[] {100}, CocoRle.decodeString("T3"));
    // 5, 10 (':'), 2, then 4 - 10 = -6: group 26 (0b11010, sign bit 0x10 set, no more) -> 'J'
    assertArrayEquals(new long[] {5, 10, 2, 4}, CocoRle.decodeString("5:2J"));
    assertEquals("0321", CocoRle.encodeString(new long[] {0, 3, 2, 4}));
    assertEquals("T3", CocoRle.encodeString(new long[] {100}));
    assertEquals("5:2J", CocoRle.encodeString(new long[] {5, 10, 2, 4}));
  }

  @Test
  void countsRunDownColumnsStartingWithZeros() {
    // 3x3: no 0s, 3 ones (column 0), 2 zeros (column 1, rows 0-1), 4 ones (rest)
    BinaryMask m = CocoRle.decode(new long[] {0, 3, 2, 4}, 3, 3);
    String[] expected = {"101", "101", "111"};
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(expected[r].charAt(c) == '1', m.get(r, c), r + "," + c);
      }
    }
    assertArrayEquals(new long[] {0, 3, 2, 4}, CocoRle.encode(m));
  }

  @Test
  void roundTripsRandomMasksThroughCountsAndStrings() {
    Random r = new Random(7);
    for (int t = 0; t < 200; t++) {
      int h = 1 + r.nextInt(40);
      int w = 1 + r.nextInt(40);
      BinaryMask m = new BinaryMask(h, w);
      double p = r.nextDouble();
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          m.set(y, x, r.nextDouble() < p);
        }
      }
      long[] counts = CocoRle.encode(m);
      assertEquals(m, CocoRle.decode(counts, h, w));
      assertArrayEquals(counts, CocoRle.decodeString(CocoRle.encodeString(counts)));
    }
  }

  @Test
  void malformedRlesSayWhatIsWrong() {
    var e = assertThrows(CocoRle.CocoRleException.class,
        () -> CocoRle.decode(new long[] {2, 3}, 3, 3));
    assertTrue(e.getMessage().contains("cover 5 pixels, the image has 9"), e.getMessage());
    e = assertThrows(CocoRle.CocoRleException.class,
        () -> CocoRle.decode(new long[] {2, 30}, 3, 3));
    assertTrue(e.getMessage().contains("cover 32 pixels by count 1"), e.getMessage());
    e = assertThrows(CocoRle.CocoRleException.class,
        () -> CocoRle.decode(new long[] {-1, 10}, 3, 3));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    e = assertThrows(CocoRle.CocoRleException.class, () -> CocoRle.decodeString("T"));
    assertTrue(e.getMessage().contains("ends inside a count"), e.getMessage());
    e = assertThrows(CocoRle.CocoRleException.class, () -> CocoRle.decodeString("0 1"));
    assertTrue(e.getMessage().contains("character ' ' at 1"), e.getMessage());
  }
}
