package io.sparkseg.core.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostProcessingTest {
  /** A plane from rows of digits: digit d is probability d/10. */
  private static float[] plane(String... rows) {
    int w = rows[0].length();
    float[] p = new float[rows.length * w];
    for (int r = 0; r < rows.length; r++) {
      for (int c = 0; c < w; c++) {
        p[r * w + c] = (rows[r].charAt(c) - '0') / 10f;
      }
    }
    return p;
  }

  @Test
  void thresholdAndMinimumComponentArea() {
    float[] p = plane(
        "900000",
        "090077",   // (0,0)-(1,1) touch diagonally: one component of 2; right blob of 4
        "000077",
        "600000");  // lone pixel
    BinaryMask all = PostProcessing.mask(p, 4, 6, 0.5f, 0);
    assertEquals(7, all.count());
    BinaryMask big = PostProcessing.mask(p, 4, 6, 0.5f, 3);
    assertEquals(4, big.count(), "components of 2 and 1 pixels are dropped");
    assertTrue(big.get(1, 4) && big.get(2, 5));
    BinaryMask two = PostProcessing.mask(p, 4, 6, 0.5f, 2);
    assertEquals(6, two.count(), "diagonal neighbours are one 8-connected component");
    assertEquals(6, PostProcessing.mask(p, 4, 6, 0.65f, 0).count(), "0.65 drops the 0.6 pixel");
  }

  @Test
  void adaptiveScanStopsAtTheFirstThresholdWithEnoughArea() {
    float[] p = plane(
        "444000",
        "444000",
        "000002");
    float[] scan = {0.5f, 0.3f, 0.15f};
    BinaryMask m = PostProcessing.adaptive(p, 3, 6, scan, 4);
    assertEquals(6, m.count(), "nothing above 0.5; at 0.3 the 0.4 block (6 px) passes");
    assertTrue(PostProcessing.adaptive(p, 3, 6, scan, 7).isEmpty(),
        "no threshold gives 7 pixels in components of 7: a safe negative");
  }

  @Test
  void thePhotoScanKeepsEachClassRulesAreaBoundsAndGate() {
    // a 0.6 block of 8 px and a 0.4 block of 3 px
    float[] p = plane(
        "6666004",
        "6666004",
        "0000004");
    float[] scan = {0.5f, 0.3f};
    float[][] two = {p, p};
    PostProcessing.Scan[] s = new PostProcessor(List.of(new ClassRule(0.5f, 2, 0, 0f),
        new ClassRule(0.5f, 2, 5, 0f))).scan(two, 3, 7, scan);
    assertEquals(0.5f, s[0].threshold(), "no maximum: the 8 px block passes at 0.5");
    assertEquals(8, s[0].mask().count());
    assertEquals(0.3f, s[1].threshold(), "maximum 5: at 0.5 only the 8 px block, dropped");
    assertEquals(3, s[1].mask().count(), "at 0.3 the 3 px block alone is kept");
    PostProcessing.Scan gated = new PostProcessor(List.of(new ClassRule(0.5f, 2, 0, 0.7f)))
        .scan(new float[][] {p}, 3, 7, scan)[0];
    assertTrue(!gated.found() && gated.mask().isEmpty(), "peak 0.6 under the 0.7 gate");
    assertThrows(IllegalArgumentException.class, () -> new PostProcessor(List.of(
        ClassRule.DEFAULT)).scan(two, 3, 7, scan));
  }

  @Test
  void ensembleAverages() {
    float[][] a = {{0f, 1f}};
    float[][] b = {{1f, 0f}};
    float[][] c = {{0.5f, 0.5f}};
    assertArrayEquals(new float[] {0.5f, 0.5f}, PostProcessing.average(List.of(a, b, c))[0], 1e-6f);
    assertThrows(IllegalArgumentException.class,
        () -> PostProcessing.average(List.of(a, new float[][] {{1f}})));
  }
}
