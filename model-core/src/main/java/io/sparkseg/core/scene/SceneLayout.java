package io.sparkseg.core.scene;

import io.sparkseg.core.quality.QuarantineReason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The driving-sequence layout: {@code Images/<sequence>/<name>.png|jpg} with its colour-coded
 * label {@code Labels/<sequence>/<name>.png}. Pairs the two listings by sequence and file name
 * (without extension), keeps the sequences of {@code include} (all when empty), and says what
 * could not be paired: an image without label ({@code missing-label}, unless labels are not
 * required, as for images to predict), a label without image ({@code orphan-label}), two files
 * of one frame ({@code duplicate-frame}). Paths are relative to the data folder, '/'-separated;
 * the sequence is the folder path between {@code Images/} and the file.
 */
public final class SceneLayout {
  public static final String IMAGES = "Images/";
  public static final String LABELS = "Labels/";

  private SceneLayout() {}

  /** One frame: its sequence, name (file name without extension), image and label paths. */
  public record Frame(String sequence, String name, String image, String label) {
    /** The frame's id: {@code <sequence>/<name>}. */
    public String id() {
      return sequence.isEmpty() ? name : sequence + "/" + name;
    }
  }

  /** A file that is not part of a frame, and why. */
  public record Unpaired(String path, QuarantineReason reason, String detail) {}

  public record Pairing(List<Frame> frames, List<Unpaired> unpaired) {}

  private static String[] split(String path, String root) {
    String rest = path.substring(root.length());
    int slash = rest.lastIndexOf('/');
    String sequence = slash < 0 ? "" : rest.substring(0, slash);
    String file = rest.substring(slash + 1);
    int dot = file.lastIndexOf('.');
    return new String[] {sequence, dot > 0 ? file.substring(0, dot) : file};
  }

  private static boolean included(String sequence, Set<String> include) {
    return include.isEmpty() || include.contains(sequence);
  }

  /** Pairs {@code images} (under Images/) with {@code labels} (under Labels/). */
  public static Pairing pair(Collection<String> images, Collection<String> labels,
      Set<String> include, boolean labelsRequired) {
    return pair(images, IMAGES, labels, LABELS, include, labelsRequired);
  }

  /**
   * Pairs {@code images} under {@code imageRoot} with {@code labels} under {@code labelRoot}
   * (the mask-folder layout uses {@code images/} and {@code masks/}).
   */
  public static Pairing pair(Collection<String> images, String imageRoot,
      Collection<String> labels, String labelRoot, Set<String> include, boolean labelsRequired) {
    List<Unpaired> unpaired = new ArrayList<>();
    Map<String, String> imageOf = index(images, imageRoot, include, unpaired);
    Map<String, String> labelOf = index(labels, labelRoot, include, unpaired);
    List<Frame> frames = new ArrayList<>();
    imageOf.forEach((key, image) -> {
      String label = labelOf.get(key);
      String[] sn = split(image, imageRoot);
      if (label == null && labelsRequired) {
        unpaired.add(new Unpaired(image, QuarantineReason.MISSING_LABEL, image
            + " has no label " + labelRoot + key + ".png"));
      } else {
        frames.add(new Frame(sn[0], sn[1], image, label));
      }
    });
    labelOf.forEach((key, label) -> {
      if (!imageOf.containsKey(key)) {
        unpaired.add(new Unpaired(label, QuarantineReason.ORPHAN_LABEL, label
            + " has no image " + imageRoot + key + ".png|.jpg"));
      }
    });
    return new Pairing(frames, unpaired);
  }

  private static Map<String, String> index(Collection<String> paths, String root,
      Set<String> include, List<Unpaired> unpaired) {
    Map<String, String> byKey = new TreeMap<>();
    for (String path : new java.util.TreeSet<>(paths)) {
      if (!path.startsWith(root)) {
        throw new IllegalArgumentException(path + " is not under " + root);
      }
      String[] sn = split(path, root);
      if (!included(sn[0], include)) {
        continue;
      }
      String key = sn[0].isEmpty() ? sn[1] : sn[0] + "/" + sn[1];
      String before = byKey.putIfAbsent(key, path);
      if (before != null) {
        unpaired.add(new Unpaired(path, QuarantineReason.DUPLICATE_FRAME, String.format(
            Locale.ROOT, "%s and %s are the same frame %s; %s is used", before, path, key,
            before)));
      }
    }
    return byKey;
  }
}
