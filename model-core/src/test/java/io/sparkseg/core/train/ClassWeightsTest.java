package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Class weights from pixel counts, by hand. */
class ClassWeightsTest {
  @Test
  void inverseAndMedianFrequencyByHand() {
    long[] pixels = {600, 300, 100, 0};
    // inverse: 1000 / (4 * n)
    assertArrayEquals(new float[] {1000f / 2400, 1000f / 1200, 1000f / 400, 0f},
        ClassWeights.of("inverse", pixels), 1e-6f);
    // frequencies 0.6, 0.3, 0.1 -> median 0.3 -> 0.5, 1, 3; the absent class 0
    assertArrayEquals(new float[] {0.5f, 1f, 3f, 0f},
        ClassWeights.of("median-frequency", pixels), 1e-6f);
    // an even count of present classes: the median is the mean of the middle two, (0.2 + 0.3) / 2
    assertArrayEquals(new float[] {0.25f / 0.4f, 0.25f / 0.3f, 0.25f / 0.2f, 0.25f / 0.1f},
        ClassWeights.medianFrequency(new long[] {40, 30, 20, 10}), 1e-6f);
    assertNull(ClassWeights.of("none", pixels));
    assertThrows(IllegalArgumentException.class, () -> ClassWeights.of("sqrt", pixels));
  }
}
