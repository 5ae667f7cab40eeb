package io.sparkseg.core.folds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sequences kept whole, rare classes spread over folds, sizes balanced, deterministic. */
class GroupKFoldTest {
  /** 20 sequences of 5..40 frames; class 9 (rare) in 3 of them, class 1 in all. */
  private static Map<String, GroupKFold.Group> sequences() {
    Map<String, GroupKFold.Group> g = new LinkedHashMap<>();
    Random r = new Random(3);
    for (int s = 0; s < 20; s++) {
      Set<Integer> classes = new HashSet<>(Set.of(1));
      if (s % 2 == 0) {
        classes.add(2);
      }
      if (s == 4 || s == 11 || s == 17) {
        classes.add(9);
      }
      g.put(String.format("seq%02d", s), new GroupKFold.Group(5 + r.nextInt(36), classes));
    }
    return g;
  }

  @Test
  void framesOfASequenceShareAFoldAndRareClassesSpread() {
    Map<String, GroupKFold.Group> groups = sequences();
    Map<String, Integer> folds = new GroupKFold(3, 42).assign(groups);
    assertEquals(groups.keySet(), folds.keySet());
    // every frame's fold is its sequence's: expand to frames and check none is split
    Map<String, Set<Integer>> foldsOfSequence = new HashMap<>();
    groups.forEach((seq, g) -> {
      for (int f = 0; f < g.images(); f++) {
        foldsOfSequence.computeIfAbsent(seq, x -> new HashSet<>()).add(folds.get(seq));
      }
    });
    foldsOfSequence.values().forEach(s -> assertEquals(1, s.size()));
    // the three sequences with class 9 land in three different folds
    assertEquals(Set.of(0, 1, 2), Set.of(folds.get("seq04"), folds.get("seq11"),
        folds.get("seq17")));
    // sizes: no fold is emptier than the fullest minus the largest sequence
    int[] images = new int[3];
    int largest = 0;
    for (var e : groups.entrySet()) {
      images[folds.get(e.getKey())] += e.getValue().images();
      largest = Math.max(largest, e.getValue().images());
    }
    int max = Math.max(images[0], Math.max(images[1], images[2]));
    int min = Math.min(images[0], Math.min(images[1], images[2]));
    assertTrue(max - min <= largest, java.util.Arrays.toString(images));
  }

  @Test
  void deterministicAndIndependentOfInputOrder() {
    Map<String, GroupKFold.Group> groups = sequences();
    List<String> keys = new ArrayList<>(groups.keySet());
    Collections.shuffle(keys, new Random(9));
    Map<String, GroupKFold.Group> shuffled = new LinkedHashMap<>();
    keys.forEach(k -> shuffled.put(k, groups.get(k)));
    assertEquals(new GroupKFold(5, 7).assign(groups), new GroupKFold(5, 7).assign(shuffled));
  }

  @Test
  void fewerSequencesThanFoldsIsAnError() {
    Map<String, GroupKFold.Group> two = Map.of("a", new GroupKFold.Group(3, Set.of(1)),
        "b", new GroupKFold.Group(4, Set.of(1)));
    var e = assertThrows(IllegalArgumentException.class, () -> new GroupKFold(3, 1).assign(two));
    assertTrue(e.getMessage().contains("2 group(s) cannot fill 3 folds"), e.getMessage());
    assertEquals(Set.of(0, 1), new HashSet<>(new GroupKFold(2, 1).assign(two).values()));
  }

  @Test
  void membersTakeTheirGroupsFoldWithTheGroupsClassesUnited() {
    Map<String, String> groupOf = new HashMap<>();
    Map<String, Set<Integer>> classes = new HashMap<>();
    Map<String, GroupKFold.Group> groups = sequences();
    groups.forEach((g, group) -> {
      List<Integer> present = new ArrayList<>(group.classes());
      for (int m = 0; m < group.images(); m++) {
        String member = g + "/" + m;
        groupOf.put(member, g);
        // each class shows in one member only: the group's classes are the union
        classes.put(member, m < present.size() ? Set.of(present.get(m)) : Set.of());
      }
    });
    Map<String, Integer> expected = new GroupKFold(3, 42).assign(groups);
    Map<String, Integer> members = new GroupKFold(3, 42).assignMembers(groupOf, classes);
    assertEquals(groupOf.size(), members.size());
    groupOf.forEach((member, g) -> assertEquals(expected.get(g), members.get(member), member));
  }
}
