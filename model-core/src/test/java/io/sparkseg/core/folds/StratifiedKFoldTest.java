package io.sparkseg.core.folds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StratifiedKFoldTest {
  /** 1000 images with a Severstal-like skew: half clean, few with 2+ defects. */
  private static Map<String, Integer> strata() {
    Map<String, Integer> m = new LinkedHashMap<>();
    Random rnd = new Random(3);
    for (int i = 0; i < 1000; i++) {
      double u = rnd.nextDouble();
      m.put(String.format("%04d.jpg", i), u < 0.5 ? 0 : u < 0.93 ? 1 : u < 0.99 ? 2 : 3);
    }
    return m;
  }

  @Test
  void everyStratumIsSpreadEvenly() {
    Map<String, Integer> strata = strata();
    Map<String, Integer> folds = new StratifiedKFold(5, 42).assign(strata);
    assertEquals(strata.keySet(), folds.keySet());
    Map<Integer, int[]> perStratum = new HashMap<>();
    int[] total = new int[5];
    folds.forEach((id, f) -> {
      perStratum.computeIfAbsent(strata.get(id), s -> new int[5])[f]++;
      total[f]++;
    });
    perStratum.forEach((s, counts) -> assertTrue(spread(counts) <= 1,
        "stratum " + s + " fold counts " + java.util.Arrays.toString(counts)));
    assertTrue(spread(total) <= 1, java.util.Arrays.toString(total));
  }

  private static int spread(int[] counts) {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (int c : counts) {
      min = Math.min(min, c);
      max = Math.max(max, c);
    }
    return max - min;
  }

  @Test
  void deterministicAndIndependentOfInputOrder() {
    Map<String, Integer> strata = strata();
    List<String> keys = new ArrayList<>(strata.keySet());
    Collections.shuffle(keys, new Random(9));
    Map<String, Integer> shuffled = new LinkedHashMap<>();
    keys.forEach(k -> shuffled.put(k, strata.get(k)));
    assertEquals(new StratifiedKFold(5, 42).assign(strata),
        new StratifiedKFold(5, 42).assign(shuffled));
    assertNotEquals(new StratifiedKFold(5, 42).assign(strata),
        new StratifiedKFold(5, 43).assign(strata));
  }

  @Test
  void rejectsKBelowTwo() {
    assertThrows(IllegalArgumentException.class, () -> new StratifiedKFold(1, 0));
  }
}
