package io.sparkseg.core.folds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FoldTableTest {
  @Test
  void countsImagesCleanImagesAndImagesPerClassPerFold() {
    Map<String, Integer> folds = Map.of("a", 0, "b", 0, "c", 1, "d", 1, "e", 1);
    Map<String, Set<Integer>> classes = Map.of("a", Set.of(1, 3), "c", Set.of(3),
        "d", Set.of(), "e", Set.of(2, 3), "unassigned", Set.of(1));
    FoldTable t = new FoldTable(folds, classes, 2, 3);
    assertEquals(2, t.images(0));
    assertEquals(3, t.images(1));
    assertEquals(1, t.clean(0)); // b has no entry
    assertEquals(1, t.clean(1)); // d has an empty set
    assertEquals(1, t.withClass(0, 1));
    assertEquals(0, t.withClass(1, 1)); // "unassigned" is in no fold
    assertEquals(2, t.withClass(1, 3));
    assertEquals(List.of(
        "fold   images   clean  class1  class2  class3",
        "0           2       1       1       0       1",
        "1           3       1       0       1       2"), t.lines());
  }

  @Test
  void refusesFoldsAndClassesOutOfRange() {
    assertThrows(IllegalArgumentException.class,
        () -> new FoldTable(Map.of("a", 2), Map.of(), 2, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new FoldTable(Map.of("a", 0), Map.of("a", Set.of(4)), 2, 3));
  }
}
