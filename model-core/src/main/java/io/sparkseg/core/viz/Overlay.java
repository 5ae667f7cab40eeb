package io.sparkseg.core.viz;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An image with masks drawn on it, for people to look at: predicted masks as translucent fills
 * in their class colour, ground-truth masks (when known) as a solid outline in the same colour.
 * Classes 1..4 use Severstal's usual colours (orange, green, blue, magenta); more classes cycle
 * through a further palette.
 */
public final class Overlay {
  private static final int[][] PALETTE = {
      {255, 140, 0}, {0, 200, 0}, {30, 110, 255}, {230, 0, 230},
      {255, 230, 0}, {0, 220, 220}, {220, 30, 30}, {160, 90, 255}};
  private static final float ALPHA = 0.45f;

  private Overlay() {}

  public static int[] colour(int classIndex) {
    return PALETTE[classIndex % PALETTE.length].clone();
  }

  /**
   * A 3-channel image: {@code image} (grey or RGB) with {@code predicted[c]} filled and the
   * boundary of {@code truth[c]} drawn; either array and any entry may be null.
   */
  public static Image8 render(Image8 image, BinaryMask[] predicted, BinaryMask[] truth) {
    int h = image.height();
    int w = image.width();
    byte[] rgb = new byte[h * w * 3];
    for (int i = 0; i < h * w; i++) {
      for (int k = 0; k < 3; k++) {
        rgb[3 * i + k] = image.data()[i * image.channels() + (image.channels() == 1 ? 0 : k)];
      }
    }
    if (predicted != null) {
      for (int c = 0; c < predicted.length; c++) {
        BinaryMask m = predicted[c];
        if (m == null) {
          continue;
        }
        check(m, h, w);
        int[] col = colour(c);
        for (int r = 0; r < h; r++) {
          for (int x = 0; x < w; x++) {
            if (m.get(r, x)) {
              int i = 3 * (r * w + x);
              for (int k = 0; k < 3; k++) {
                rgb[i + k] = (byte) Math.round((1 - ALPHA) * (rgb[i + k] & 0xFF) + ALPHA * col[k]);
              }
            }
          }
        }
      }
    }
    if (truth != null) {
      for (int c = 0; c < truth.length; c++) {
        BinaryMask m = truth[c];
        if (m == null) {
          continue;
        }
        check(m, h, w);
        int[] col = colour(c);
        for (int r = 0; r < h; r++) {
          for (int x = 0; x < w; x++) {
            if (m.get(r, x) && onBoundary(m, r, x)) {
              int i = 3 * (r * w + x);
              for (int k = 0; k < 3; k++) {
                rgb[i + k] = (byte) col[k];
              }
            }
          }
        }
      }
    }
    return new Image8(h, w, 3, rgb);
  }

  /**
   * {@link #render} for people: small images enlarged by a whole factor (nearest, at most 8) to
   * at least 480 pixels wide and 160 high, and a legend strip below naming each class that is
   * predicted or in the truth, in its colour, with its share of the image (prediction, and truth
   * where known). A 64x400 strip becomes 192x1200 plus the legend.
   */
  public static Image8 forPeople(Image8 image, BinaryMask[] predicted, BinaryMask[] truth,
      List<String> names) {
    int f = Math.max(ClassMapOverlay.factor(image.width(), 480),
        ClassMapOverlay.factor(image.height(), 160));
    Image8 picture = render(f == 1 ? image : ClassMapOverlay.enlarge(image, f),
        enlarge(predicted, f), enlarge(truth, f));
    double total = (double) image.height() * image.width();
    List<String> labels = new ArrayList<>();
    List<Integer> colours = new ArrayList<>();
    for (int c = 0; c < names.size(); c++) {
      int p = predicted == null || predicted[c] == null ? 0 : predicted[c].count();
      int t = truth == null || truth[c] == null ? 0 : truth[c].count();
      if (p == 0 && t == 0) {
        continue;
      }
      labels.add(String.format(Locale.ROOT, "%s %.1f%%", names.get(c), 100 * p / total)
          + (truth == null ? "" : String.format(Locale.ROOT, " (truth %.1f%%)", 100 * t / total)));
      int[] rgb = colour(c);
      colours.add(rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
    }
    if (labels.isEmpty()) {
      labels.add(truth == null ? "nothing predicted" : "nothing predicted, nothing in the truth");
      colours.add(0xFFFFFF);
    }
    return ClassMapOverlay.withLegend(picture, labels, colours);
  }

  private static BinaryMask[] enlarge(BinaryMask[] masks, int f) {
    if (masks == null || f == 1) {
      return masks;
    }
    BinaryMask[] out = new BinaryMask[masks.length];
    for (int c = 0; c < masks.length; c++) {
      BinaryMask m = masks[c];
      if (m == null) {
        continue;
      }
      out[c] = new BinaryMask(m.height() * f, m.width() * f);
      for (int r = 0; r < m.height() * f; r++) {
        for (int x = 0; x < m.width() * f; x++) {
          if (m.get(r / f, x / f)) {
            out[c].set(r, x, true);
          }
        }
      }
    }
    return out;
  }

  private static void check(BinaryMask m, int h, int w) {
    if (m.height() != h || m.width() != w) {
      throw new IllegalArgumentException("mask " + m + " does not match the " + h + "x" + w
          + " image");
    }
  }

  /** An "on" pixel with a 4-neighbour that is off or outside the image. */
  static boolean onBoundary(BinaryMask m, int r, int x) {
    return r == 0 || x == 0 || r == m.height() - 1 || x == m.width() - 1
        || !m.get(r - 1, x) || !m.get(r + 1, x) || !m.get(r, x - 1) || !m.get(r, x + 1);
  }
}
