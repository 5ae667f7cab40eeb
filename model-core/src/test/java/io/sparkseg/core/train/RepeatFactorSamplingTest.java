package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepeatFactorSamplingTest {
  /** 1000 tiles: 20 with class 1 (rare), 300 with class 3, 40 with both 2 and 3, the rest clean. */
  private static final Map<Integer, Long> PATTERNS = Map.of(0b0001, 20L, 0b0100, 300L,
      0b0110, 40L, 0, 640L);

  @Test
  void rareClassesGetTheLvisFactorAndCleanTilesKeepTheEpochLength() {
    RepeatFactorSampling s = RepeatFactorSampling.of(PATTERNS, 4, 0.3);
    assertEquals(Math.sqrt(0.3 / 0.02), s.factor(0), 1e-5); // 2% of tiles: x3.87
    assertEquals(Math.sqrt(0.3 / 0.04), s.factor(1), 1e-5);
    assertEquals(1.0, s.factor(2), 1e-6); // 34%: above t, never repeated
    assertEquals(1.0, s.factor(3), 1e-6); // absent class: 1
    double repeated = 20 * s.factor(0) + 300 + 40 * s.factor(1);
    assertEquals((1000 - repeated) / 640, s.cleanKeep(), 1e-5);
    assertEquals(1000, s.expectedTiles(PATTERNS));
  }

  @Test
  void anEpochShowsRareTilesMoreOftenAndHasAboutTheSameLength() {
    List<TrainingSample> tiles = new ArrayList<>();
    Image8 img = new Image8(4, 4, 3, new byte[48]);
    BinaryMask m = new BinaryMask(4, 4);
    PATTERNS.forEach((pattern, n) -> {
      for (int i = 0; i < n; i++) {
        BinaryMask[] masks = new BinaryMask[4];
        for (int c = 0; c < 4; c++) {
          masks[c] = (pattern & (1 << c)) != 0 ? m : null;
        }
        tiles.add(new TrainingSample(pattern + "-" + i, img, masks));
      }
    });
    RepeatFactorSampling s = RepeatFactorSampling.of(PATTERNS, 4, 0.3);
    SampleSource sampled = s.apply(SampleSource.of(tiles, true, 5), 5, 64, 1000);
    Map<String, Integer> seen = new HashMap<>();
    int total = 0;
    for (int epoch = 0; epoch < 20; epoch++) {
      var it = sampled.samples(epoch);
      while (it.hasNext()) {
        seen.merge(it.next().id().split("-")[0], 1, Integer::sum);
        total++;
      }
    }
    assertEquals(20 * 1000, total, 20 * 1000 * 0.02); // the epoch keeps its length
    assertEquals(20 * 20 * s.factor(0), seen.get("1"), 20 * 20 * s.factor(0) * 0.1);
    assertEquals(20 * 300, (int) seen.get("4")); // factor 1: exactly once per epoch
    assertEquals(20 * 640 * s.cleanKeep(), seen.get("0"), 20 * 640 * 0.05);
    // deterministic per (seed, epoch): a resumed run sees the same epoch
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    sampled.samples(3).forEachRemaining(t -> a.add(t.id()));
    sampled.samples(3).forEachRemaining(t -> b.add(t.id()));
    assertEquals(a, b);
  }

  @Test
  void refusesBadThresholdsAndEmptySets() {
    assertThrows(IllegalArgumentException.class, () -> RepeatFactorSampling.of(PATTERNS, 4, 0));
    assertThrows(IllegalArgumentException.class,
        () -> RepeatFactorSampling.of(Map.of(), 4, 0.3));
  }
}
