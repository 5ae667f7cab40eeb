package io.sparkseg.core.folds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Group-aware K-fold: every member of a group (the frames of one video sequence, which are
 * near-duplicates) falls in one fold, so no fold validates on frames it trained next to.
 * Deterministic for a seed and independent of input order. Groups are placed one by one, those
 * holding the rarest classes first (then the largest): each goes to the fold that so far has the
 * fewest groups with its rarest class, then the fewest images, then the lowest index; so class
 * presence is stratified at group level where the groups allow it and fold sizes stay close.
 * With fewer groups than folds some folds stay empty: an error, since they could not validate.
 */
public final class GroupKFold {
  private final int k;
  private final long seed;

  /** A group: how many images it has and which classes appear in any of them. */
  public record Group(int images, Set<Integer> classes) {
    public Group {
      if (images <= 0) {
        throw new IllegalArgumentException("a group needs at least one image");
      }
      classes = Set.copyOf(classes);
    }
  }

  public GroupKFold(int k, long seed) {
    if (k < 2) {
      throw new IllegalArgumentException("K-fold needs k >= 2, got " + k);
    }
    this.k = k;
    this.seed = seed;
  }

  public int k() {
    return k;
  }

  /**
   * Fold of every member (an image), its group's fold: groups are built from each member's group
   * and the classes present in any of its members ({@code classes}: member to classes; absent =
   * none), then assigned as by {@link #assign(Map)}.
   */
  public Map<String, Integer> assignMembers(Map<String, String> groupOf,
      Map<String, ? extends Set<Integer>> classes) {
    Map<String, Integer> members = new TreeMap<>();
    Map<String, java.util.Set<Integer>> groupClasses = new TreeMap<>();
    groupOf.forEach((member, g) -> {
      members.merge(g, 1, Integer::sum);
      groupClasses.computeIfAbsent(g, x -> new java.util.TreeSet<>())
          .addAll(classes.containsKey(member) ? classes.get(member) : Set.of());
    });
    Map<String, Group> groups = new TreeMap<>();
    members.forEach((g, n) -> groups.put(g, new Group(n, groupClasses.get(g))));
    Map<String, Integer> foldOfGroup = assign(groups);
    Map<String, Integer> folds = new TreeMap<>();
    groupOf.forEach((member, g) -> folds.put(member, foldOfGroup.get(g)));
    return Collections.unmodifiableMap(folds);
  }

  /** Fold (0..k-1) of every group, ordered by group id. */
  public Map<String, Integer> assign(Map<String, Group> groups) {
    Objects.requireNonNull(groups, "groups");
    if (groups.size() < k) {
      throw new IllegalArgumentException(groups.size() + " group(s) cannot fill " + k
          + " folds: every fold needs a group to validate on (lower folds.k or add sequences)");
    }
    Map<Integer, Integer> groupsWithClass = new TreeMap<>();
    groups.values().forEach(g -> g.classes().forEach(c -> groupsWithClass.merge(c, 1,
        Integer::sum)));
    List<String> ids = new ArrayList<>(groups.keySet());
    Collections.sort(ids);
    Collections.shuffle(ids, new Random(seed)); // ties broken by the seed, not by name
    Map<String, Integer> rarest = new LinkedHashMap<>();
    for (String id : ids) {
      rarest.put(id, groups.get(id).classes().stream()
          .min(Comparator.comparingInt((Integer c) -> groupsWithClass.get(c))
              .thenComparingInt(c -> c)).orElse(-1));
    }
    List<String> order = new ArrayList<>(ids);
    order.sort(Comparator.comparingInt((String id) -> rarest.get(id) < 0 ? Integer.MAX_VALUE
        : groupsWithClass.get(rarest.get(id))).thenComparingInt(id -> -groups.get(id).images()));
    int[] images = new int[k];
    int[] members = new int[k];
    Map<Integer, int[]> classInFold = new TreeMap<>();
    TreeMap<String, Integer> folds = new TreeMap<>();
    for (String id : order) {
      Group g = groups.get(id);
      int[] byClass = classInFold.computeIfAbsent(rarest.get(id), c -> new int[k]);
      int best = 0;
      for (int f = 1; f < k; f++) {
        // an empty fold first, then the rarest class's spread, then size
        int cmp = Boolean.compare(members[f] > 0, members[best] > 0);
        if (cmp == 0) {
          cmp = Integer.compare(byClass[f], byClass[best]);
        }
        if (cmp == 0) {
          cmp = Integer.compare(images[f], images[best]);
        }
        if (cmp < 0) {
          best = f;
        }
      }
      folds.put(id, best);
      images[best] += g.images();
      members[best]++;
      for (int c : g.classes()) {
        classInFold.computeIfAbsent(c, x -> new int[k])[best]++;
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(folds));
  }
}
