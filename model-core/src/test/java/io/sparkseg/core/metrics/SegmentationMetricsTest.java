package io.sparkseg.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {
  /** A 2x4 mask from a string of 0/1, row by row. */
  private static BinaryMask mask(String bits) {
    BinaryMask m = new BinaryMask(2, 4);
    for (int i = 0; i < 8; i++) {
      m.set(i / 4, i % 4, bits.charAt(i) == '1');
    }
    return m;
  }

  @Test
  void handComputedValues() {
    SegmentationMetrics m = new SegmentationMetrics(2);
    // image A, class 1: truth 4 pixels, prediction 3 of them + 1 wrong: tp 3, fp 1, fn 1, tn 3
    m.add(0, mask("11100100"), mask("11110000"));
    // image B, class 1: both empty -> Dice 1, IoU 1
    m.add(0, mask("00000000"), mask("00000000"));
    // image A, class 2: predicted 2 pixels, truth empty -> Dice 0
    m.add(1, mask("00000011"), mask("00000000"));
    // image B, class 2: missed 1 pixel -> Dice 0
    m.add(1, mask("00000000"), mask("10000000"));

    assertEquals((2.0 * 3 / (6 + 1 + 1) + 1.0) / 2, m.dice(0), 1e-12); // (0.75 + 1) / 2
    assertEquals((3.0 / 5 + 1.0) / 2, m.iou(0), 1e-12);
    assertEquals(0.75, m.precision(0), 1e-12);
    assertEquals(0.75, m.recall(0), 1e-12);
    assertEquals(0.75, m.f1(0), 1e-12);
    assertEquals(14.0 / 16, m.pixelAccuracy(0), 1e-12);
    assertEquals(1.0, m.presenceAccuracy(0), 1e-12);
    assertEquals(0.0, m.dice(1), 1e-12);
    assertEquals(0.0, m.presenceAccuracy(1), 1e-12);
    assertEquals(0.0, m.presenceF1(1), 1e-12);
    assertEquals((0.875 + 0.0) / 2, m.meanDice(), 1e-12);
    assertEquals(0.4375, m.asMap().get("dice.mean"), 1e-12);
    assertTrue(Double.isNaN(new SegmentationMetrics(1).dice(0)));
    // one pair's Dice, as the mean above averages them (null = empty)
    assertEquals(0.75, SegmentationMetrics.pairDice(mask("11100100"), mask("11110000")), 1e-12);
    assertEquals(1.0, SegmentationMetrics.pairDice(null, mask("00000000")), 1e-12);
    assertEquals(0.0, SegmentationMetrics.pairDice(mask("00000011"), null), 1e-12);
    assertEquals(0.0, SegmentationMetrics.pairDice(null, mask("10000000")), 1e-12);
  }

  @Test
  void mergeEqualsAddingEverythingToOne() {
    SegmentationMetrics all = new SegmentationMetrics(1);
    SegmentationMetrics a = new SegmentationMetrics(1);
    SegmentationMetrics b = new SegmentationMetrics(1);
    all.add(0, mask("11000000"), mask("10000000"));
    all.add(0, mask("00000000"), mask("00110000"));
    a.add(0, mask("11000000"), mask("10000000"));
    b.add(0, mask("00000000"), mask("00110000"));
    a.merge(b);
    assertEquals(all.asMap(), a.asMap());
  }

  @Test
  void boundaryF1ByHand() {
    // 6x6: truth is the 4x4 square at (1,1); its boundary is the 12-pixel ring
    BinaryMask truth = new BinaryMask(6, 6);
    BinaryMask same = new BinaryMask(6, 6);
    BinaryMask shifted = new BinaryMask(6, 6);
    for (int r = 1; r <= 4; r++) {
      for (int c = 1; c <= 4; c++) {
        truth.set(r, c, true);
        same.set(r, c, true);
      }
    }
    assertEquals(1.0, SegmentationMetrics.boundaryF1(same, truth, 0), 1e-12);
    // a 1-pixel blob far from the ring: no boundary pixel matches within 0
    shifted.set(0, 5, true);
    assertEquals(0.0, SegmentationMetrics.boundaryF1(shifted, truth, 0), 1e-12);
    // ... but (0,5) is within 1 of the ring's corner (1,4): precision 1, recall 1/12
    assertEquals(2 * (1.0 / 12) / (1 + 1.0 / 12),
        SegmentationMetrics.boundaryF1(shifted, truth, 1), 1e-12);
    assertEquals(1.0, SegmentationMetrics.boundaryF1(new BinaryMask(6, 6), new BinaryMask(6, 6), 2));
    assertEquals(0.0, SegmentationMetrics.boundaryF1(new BinaryMask(6, 6), truth, 2));

    SegmentationMetrics m = new SegmentationMetrics(2);
    m.add(0, same, truth);
    m.add(1, new BinaryMask(6, 6), truth);
    assertEquals(1.0, m.asMap().get("boundary_f1.1"), 1e-12);
    assertEquals(0.5, m.asMap().get("boundary_f1.mean"), 1e-12);
    assertEquals(m.asMap().get("iou.mean"), m.asMap().get("miou"));
    assertEquals(m.asMap().get("recall.mean"), m.asMap().get("mean_accuracy"));
  }
}
