package io.sparkseg.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.scene.ClassMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mIoU, pixel and mean accuracy, Dice and the matrix itself, computed by hand. */
class ConfusionMatrixTest {
  private static final byte X = (byte) ClassMap.IGNORE;

  @Test
  void metricsByHandWithIgnoredPixelsLeftOut() {
    // truth [0 0 1 / 1 2 ignore], prediction [0 1 1 / 1 1 0]
    ClassMap truth = new ClassMap(2, 3, new byte[] {0, 0, 1, 1, 2, X});
    ClassMap pred = new ClassMap(2, 3, new byte[] {0, 1, 1, 1, 1, 0});
    ConfusionMatrix m = new ConfusionMatrix(4); // class 3 appears nowhere
    m.add(pred, truth);
    assertEquals(1, m.count(0, 0));
    assertEquals(1, m.count(0, 1));
    assertEquals(2, m.count(1, 1));
    assertEquals(1, m.count(2, 1));
    assertEquals(0.5, m.iou(0), 1e-12);          // 1 / (2 + 1 - 1)
    assertEquals(0.5, m.iou(1), 1e-12);          // 2 / (2 + 4 - 2)
    assertEquals(0.0, m.iou(2), 1e-12);
    assertTrue(Double.isNaN(m.iou(3)), "absent class has no IoU");
    assertEquals(1.0 / 3, m.meanIou(), 1e-12);  // NaN left out
    assertEquals(0.6, m.pixelAccuracy(), 1e-12); // 3 of 5 counted pixels
    assertEquals(0.5, m.meanAccuracy(), 1e-12);  // (1/2 + 2/2 + 0) / 3
    assertEquals(2.0 / 3, m.dice(0), 1e-12);
    assertEquals(4.0 / 9, m.asMap().get("dice.mean"), 1e-12);
    assertEquals(1.0 / 3, m.asMap().get("miou"), 1e-12);
    assertEquals("truth\\predicted,a,b,c,d\na,1,1,0,0\nb,0,2,0,0\nc,0,1,0,0\nd,0,0,0,0\n",
        m.toCsv(List.of("a", "b", "c", "d")));

    ConfusionMatrix twice = new ConfusionMatrix(4);
    twice.merge(m);
    twice.merge(m);
    assertEquals(4, twice.count(1, 1));
    assertEquals(m.meanIou(), twice.meanIou(), 1e-12);
  }

  @Test
  void refusesMismatchedSizesAndClassesOutOfRange() {
    ConfusionMatrix m = new ConfusionMatrix(2);
    assertThrows(IllegalArgumentException.class, () -> m.add(new ClassMap(1, 2, new byte[2]),
        new ClassMap(2, 1, new byte[2])));
    var e = assertThrows(IllegalArgumentException.class, () -> m.add(
        new ClassMap(1, 1, new byte[] {5}), new ClassMap(1, 1, new byte[] {0})));
    assertTrue(e.getMessage().contains("class index 5"), e.getMessage());
  }

  @Test
  void majorityBaselinePredictsTheMostFrequentTruthClassEverywhere() {
    ConfusionMatrix m = new ConfusionMatrix(3);
    // truth: 6 of class 1, 3 of class 0, 1 of class 2 (whatever was predicted)
    m.add(new ClassMap(1, 10, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
        new ClassMap(1, 10, new byte[] {1, 1, 1, 1, 1, 1, 0, 0, 0, 2}));
    ConfusionMatrix b = m.majorityBaseline();
    assertEquals(10, b.total());
    assertEquals(6, b.count(1, 1));
    assertEquals(3, b.count(0, 1));
    assertEquals(0.6, b.pixelAccuracy(), 1e-12);
    assertEquals(0.6 / 3, b.meanIou(), 1e-12); // IoU 0, 0.6, 0
  }
}
