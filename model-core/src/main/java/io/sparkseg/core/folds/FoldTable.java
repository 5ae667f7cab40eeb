package io.sparkseg.core.folds;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a fold assignment holds, per fold: images, clean images (no class present) and images
 * per class. Computed from the assignment and the classes each image shows, as the folds job
 * already has them on the driver, so printing it costs no further pass over the data.
 */
public final class FoldTable {
  private final long[] images;
  private final long[] clean;
  private final long[][] perClass;

  /**
   * @param folds   image id to fold (0..k-1)
   * @param classes image id to the classes (1..classCount) present in it; absent = none
   */
  public FoldTable(Map<String, Integer> folds, Map<String, ? extends Set<Integer>> classes,
      int k, int classCount) {
    images = new long[k];
    clean = new long[k];
    perClass = new long[k][classCount + 1];
    folds.forEach((id, fold) -> {
      if (fold < 0 || fold >= k) {
        throw new IllegalArgumentException("image " + id + " has fold " + fold + ", not in 0.."
            + (k - 1));
      }
      images[fold]++;
      Set<Integer> present = classes.containsKey(id) ? classes.get(id) : Set.of();
      if (present.isEmpty()) {
        clean[fold]++;
      }
      for (int c : present) {
        if (c < 1 || c > classCount) {
          throw new IllegalArgumentException("image " + id + " has class " + c + ", not in 1.."
              + classCount);
        }
        perClass[fold][c]++;
      }
    });
  }

  public long images(int fold) {
    return images[fold];
  }

  public long clean(int fold) {
    return clean[fold];
  }

  /** Images of the fold in which class {@code c} (1-based) is present. */
  public long withClass(int fold, int c) {
    return perClass[fold][c];
  }

  /** The printed table: a header, then one line per fold. */
  public List<String> lines() {
    int classes = perClass[0].length - 1;
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-5s %7s %7s", "fold",
        "images", "clean"));
    for (int c = 1; c <= classes; c++) {
      head.append(String.format(Locale.ROOT, " %7s", "class" + c));
    }
    lines.add(head.toString());
    for (int f = 0; f < images.length; f++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5d %7d %7d", f,
          images[f], clean[f]));
      for (int c = 1; c <= classes; c++) {
        line.append(String.format(Locale.ROOT, " %7d", perClass[f][c]));
      }
      lines.add(line.toString());
    }
    return lines;
  }
}
