package io.sparkseg.core.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkseg.core.mask.BinaryMask;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdSearchTest {
  private static final int H = 40;
  private static final int W = 60;

  /**
   * Class 1: a 10x10 defect scored 0.7 inside, a 1-pixel halo at 0.4 and a spurious 2x2 blob at
   * 0.9. Class 2: nothing true, a faint 0.35 haze everywhere.
   */
  private static float[][] probabilities() {
    float[] c1 = new float[H * W];
    for (int r = 9; r <= 20; r++) {
      for (int x = 9; x <= 20; x++) {
        c1[r * W + x] = r >= 10 && r < 20 && x >= 10 && x < 20 ? 0.7f : 0.4f;
      }
    }
    for (int r = 30; r < 32; r++) {
      for (int x = 50; x < 52; x++) {
        c1[r * W + x] = 0.9f;
      }
    }
    float[] c2 = new float[H * W];
    java.util.Arrays.fill(c2, 0.35f);
    return new float[][] {c1, c2};
  }

  private static BinaryMask[] truth() {
    BinaryMask t = new BinaryMask(H, W);
    for (int r = 10; r < 20; r++) {
      for (int x = 10; x < 20; x++) {
        t.set(r, x, true);
      }
    }
    return new BinaryMask[] {t, null};
  }

  @Test
  void picksTheThresholdAndAreaThatMaximiseKaggleDice() {
    ThresholdSearch s = new ThresholdSearch(2, new float[] {0.3f, 0.4f, 0.5f, 0.8f},
        new int[] {0, 10});
    s.add(probabilities(), truth(), H, W);
    List<ThresholdSearch.Choice> best = s.best(0f);
    // class 1: 0.5 drops the halo, area 10 drops the 4-pixel blob: a perfect mask
    assertEquals(new ClassRule(0.5f, 10, 0f), best.get(0).rule());
    assertEquals(1.0, best.get(0).dice(), 1e-12);
    // the default rule (0.5, no area) keeps the blob: 2*100 / (104 + 100)
    assertEquals(200.0 / 204.0, best.get(0).defaultDice(), 1e-12);
    // class 2: any threshold above the haze predicts empty = empty truth = 1; of those, the
    // one nearest the default wins
    assertEquals(0.5f, best.get(1).rule().threshold());
    assertEquals(0, best.get(1).rule().minArea());
    assertEquals(1.0, best.get(1).dice(), 1e-12);
  }

  /**
   * Class 1 as a small-things class: the true 2x2 spot at 0.9 and a false 10x10 region at 0.7
   * (what a model that mistakes a large dark blob for pits gives). No threshold or minimum area
   * separates them; a maximum area does.
   */
  private static float[][] spotAndRegion() {
    float[] c1 = new float[H * W];
    for (int r = 10; r < 20; r++) {
      for (int x = 10; x < 20; x++) {
        c1[r * W + x] = 0.7f;
      }
    }
    for (int r = 30; r < 32; r++) {
      for (int x = 50; x < 52; x++) {
        c1[r * W + x] = 0.9f;
      }
    }
    return new float[][] {c1};
  }

  private static BinaryMask[] spot() {
    BinaryMask t = new BinaryMask(H, W);
    for (int r = 30; r < 32; r++) {
      for (int x = 50; x < 52; x++) {
        t.set(r, x, true);
      }
    }
    return new BinaryMask[] {t};
  }

  @Test
  void aMaximumAreaDropsLargeRegionsOfASmallThingsClass() {
    ThresholdSearch s = new ThresholdSearch(1, new float[] {0.5f}, new int[] {0, 4},
        new int[] {0, 4, 50, 200});
    s.add(spotAndRegion(), spot(), H, W);
    ThresholdSearch.Choice best = s.best(0f).get(0);
    // caps 4 and 50 both keep the spot alone; the larger cap wins the tie, as does min area 0
    assertEquals(new ClassRule(0.5f, 0, 50, 0f), best.rule());
    assertEquals(1.0, best.dice(), 1e-12);
    // without a cap the region stays: 2*4 / (104 + 4)
    assertEquals(8.0 / 108.0, best.defaultDice(), 1e-12);
    ThresholdSearch uncapped = new ThresholdSearch(1, new float[] {0.5f}, new int[] {0, 4});
    uncapped.add(spotAndRegion(), spot(), H, W);
    assertEquals(new ClassRule(0.5f, 0, 0, 0f), uncapped.best(0f).get(0).rule());
    assertEquals(8.0 / 108.0, uncapped.best(0f).get(0).dice(), 1e-12);
    // the rule predict applies gives the mask the search scored
    BinaryMask[] m = new PostProcessor(List.of(best.rule())).apply(spotAndRegion(), H, W);
    assertEquals(spot()[0], m[0]);
    assertEquals(104, new PostProcessor(List.of(new ClassRule(0.5f, 0, 100, 0f)))
        .apply(spotAndRegion(), H, W)[0].count());
    assertEquals(100, PostProcessing.mask(spotAndRegion()[0], H, W, 0.5f, 5, 100).count());
  }

  @Test
  void aCapThatChangesNothingLosesTheTieToNoCap() {
    ThresholdSearch s = new ThresholdSearch(2, new float[] {0.3f, 0.4f, 0.5f, 0.8f},
        new int[] {0, 10}, new int[] {200, 0, 1000});
    s.add(probabilities(), truth(), H, W);
    assertEquals(new ClassRule(0.5f, 10, 0, 0f), s.best(0f).get(0).rule());
    assertEquals(new ClassRule(0.5f, 0, 0, 0f), s.best(0f).get(1).rule());
  }

  @Test
  void mergedPartialSearchesEqualOneSearchOverAllImages() {
    float[] thr = {0.3f, 0.5f, 0.8f};
    int[] areas = {0, 3, 10, 200};
    float[][] other = probabilities();
    java.util.Arrays.fill(other[0], 0f); // a clean image, scored empty
    BinaryMask[] clean = new BinaryMask[2];
    ThresholdSearch all = new ThresholdSearch(2, thr, areas);
    all.add(probabilities(), truth(), H, W);
    all.add(other, clean, H, W);
    ThresholdSearch a = new ThresholdSearch(2, thr, areas);
    a.add(probabilities(), truth(), H, W);
    ThresholdSearch b = new ThresholdSearch(2, thr, areas);
    b.add(other, clean, H, W);
    List<ThresholdSearch.Choice> merged = a.merge(b).best(0.2f);
    assertEquals(2, a.images());
    assertEquals(all.best(0.2f), merged);
    assertEquals(0.2f, merged.get(0).rule().minMaxProbability());
    // with the clean image the class-1 mean of the best rule is (1 + 1) / 2
    assertEquals(1.0, merged.get(0).dice(), 1e-12);
  }

  @Test
  void rejectsBadGridsAndEmptySearches() {
    assertThrows(IllegalArgumentException.class,
        () -> new ThresholdSearch(2, new float[] {1.5f}, new int[] {0}));
    assertThrows(IllegalArgumentException.class,
        () -> new ThresholdSearch(2, new float[] {0.5f}, new int[] {-1}));
    assertThrows(IllegalStateException.class,
        () -> new ThresholdSearch(2, new float[] {0.5f}, new int[] {0}).best(0f));
    ThresholdSearch a = new ThresholdSearch(2, new float[] {0.5f}, new int[] {0});
    assertThrows(IllegalArgumentException.class,
        () -> a.merge(new ThresholdSearch(2, new float[] {0.4f}, new int[] {0})));
    assertThrows(IllegalArgumentException.class,
        () -> a.merge(new ThresholdSearch(2, new float[] {0.5f}, new int[] {0}, new int[] {9})));
    assertThrows(IllegalArgumentException.class,
        () -> new ThresholdSearch(2, new float[] {0.5f}, new int[] {0}, new int[] {-1}));
    assertThrows(IllegalArgumentException.class,
        () -> new ThresholdSearch(2, new float[] {0.5f}, new int[] {0}, new int[0]));
    assertThrows(IllegalArgumentException.class, () -> new ClassRule(0.5f, 0, -3, 0f));
  }

  @Test
  void postProcessorAppliesRulesAndGate() {
    float[][] p = probabilities();
    PostProcessor pp = new PostProcessor(List.of(new ClassRule(0.5f, 10, 0f),
        new ClassRule(0.3f, 0, 0.5f)));
    BinaryMask[] m = pp.apply(p, H, W);
    assertEquals(truth()[0], m[0]);
    // class 2's haze is above 0.3 everywhere, but its max (0.35) fails the 0.5 gate
    assertEquals(0, m[1].count());
    BinaryMask[] ungated = new PostProcessor(List.of(ClassRule.DEFAULT,
        new ClassRule(0.3f, 0, 0f))).apply(p, H, W);
    assertEquals(H * W, ungated[1].count());
    assertEquals(104, ungated[0].count());
  }

  @Test
  void componentsAreEightConnected() {
    byte[] on = new byte[3 * 4];
    on[0] = 1;
    on[5] = 1; // diagonal neighbour of 0
    on[3] = 1; // a separate one
    Components c = Components.of(on, 3, 4);
    assertEquals(2, c.count());
    assertArrayEquals(new int[] {0, 2, 1}, c.size());
  }
}
