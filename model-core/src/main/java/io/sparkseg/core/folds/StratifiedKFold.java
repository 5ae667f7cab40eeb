package io.sparkseg.core.folds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * Stratified K-fold assignment, deterministic for a seed and independent of input order.
 * Within each stratum (for Severstal: the number of defect classes in the image) the ids are
 * sorted, shuffled with a seeded generator and dealt round-robin; the dealing continues from
 * one stratum to the next so that fold sizes differ by at most one overall.
 */
public final class StratifiedKFold {
  private final int k;
  private final long seed;

  public StratifiedKFold(int k, long seed) {
    if (k < 2) {
      throw new IllegalArgumentException("K-fold needs k >= 2, got " + k);
    }
    this.k = k;
    this.seed = seed;
  }

  public int k() {
    return k;
  }

  public long seed() {
    return seed;
  }

  /** Fold (0..k-1) of every id, from its stratum; the result is ordered by id. */
  public Map<String, Integer> assign(Map<String, Integer> stratumById) {
    Objects.requireNonNull(stratumById, "stratumById");
    TreeMap<Integer, List<String>> byStratum = new TreeMap<>();
    stratumById.forEach((id, stratum) ->
        byStratum.computeIfAbsent(Objects.requireNonNull(stratum, "stratum of " + id),
            s -> new ArrayList<>()).add(id));
    TreeMap<String, Integer> folds = new TreeMap<>();
    int dealt = 0;
    for (Map.Entry<Integer, List<String>> e : byStratum.entrySet()) {
      List<String> ids = e.getValue();
      Collections.sort(ids);
      Collections.shuffle(ids, new Random(seed * 31 + e.getKey()));
      for (String id : ids) {
        folds.put(id, dealt % k);
        dealt++;
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(folds));
  }
}
