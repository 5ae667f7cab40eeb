package io.sparkseg.core.scene;

import io.sparkseg.core.image.Image8;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Colour-coded semantic labels: each entry names a class and its RGB colour; entries marked
 * ignored (e.g. {@code void}) decode to {@link ClassMap#IGNORE}. The others are the model's
 * classes, numbered 0.. in entry order. {@link #decode} turns an RGB label image into a
 * {@link ClassMap} and refuses colours of no entry; {@link #encode} is its inverse for
 * predictions.
 *
 * @param names class name per entry
 * @param colours {@code 0xRRGGBB} per entry
 * @param ignored names of the entries that count for no class
 */
public record Palette(List<String> names, int[] colours, Set<String> ignored)
    implements java.io.Serializable {

  public Palette {
    names = List.copyOf(names);
    colours = colours.clone();
    ignored = Set.copyOf(ignored);
    if (names.size() != colours.length || names.isEmpty()) {
      throw new IllegalArgumentException("a palette needs one colour per class name, got "
          + names.size() + " names and " + colours.length + " colours");
    }
    if (new LinkedHashSet<>(names).size() != names.size()) {
      throw new IllegalArgumentException("palette class names repeat: " + names);
    }
    Map<Integer, String> seen = new HashMap<>();
    for (int i = 0; i < colours.length; i++) {
      String before = seen.put(colours[i], names.get(i));
      if (before != null) {
        throw new IllegalArgumentException("palette colour " + hex(colours[i]) + " is given to '"
            + before + "' and '" + names.get(i) + "'");
      }
    }
    for (String n : ignored) {
      if (!names.contains(n)) {
        throw new IllegalArgumentException("ignored class '" + n + "' is not in the palette "
            + names);
      }
    }
    if (names.size() - ignored.size() > ClassMap.IGNORE) {
      throw new IllegalArgumentException("at most 255 classes");
    }
  }

  /**
   * CARLA's semantic palette with the 13 tags of the DAVID driving sequences ({@code void}
   * ignored, so 12 classes).
   */
  public static Palette carla() {
    return new Palette(List.of("traffic_sign", "building", "fence", "other", "pedestrian",
        "pole", "road_line", "road", "sidewalk", "vegetation", "car", "wall", "void"),
        new int[] {0xDCDC00, 0x464646, 0xBE9999, 0xFAAAA0, 0xDC143C, 0x999999, 0x9DEA32,
            0x804080, 0xF423E8, 0x6B8E23, 0x00008E, 0x66669C, 0x000000},
        Set.of("void"));
  }

  /** The model's classes: the entries not ignored, in order. */
  public List<String> classNames() {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (!ignored.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  public int classes() {
    return names.size() - ignored.size();
  }

  /** Class index of each entry ({@link ClassMap#IGNORE} for ignored ones). */
  /** The colour ({@code 0xRRGGBB}) of each class index, class 0 first. */
  public int[] classColours() {
    int[] index = indexOfEntry();
    int[] out = new int[classes()];
    for (int i = 0; i < index.length; i++) {
      if (index[i] != ClassMap.IGNORE) {
        out[index[i]] = colours[i];
      }
    }
    return out;
  }

  private int[] indexOfEntry() {
    int[] index = new int[names.size()];
    int next = 0;
    for (int i = 0; i < index.length; i++) {
      index[i] = ignored.contains(names.get(i)) ? ClassMap.IGNORE : next++;
    }
    return index;
  }

  /** A label colour this palette does not know, with where it was first seen. */
  public static final class UnknownColourException extends IllegalArgumentException {
    private final long pixels;

    UnknownColourException(String message, long pixels) {
      super(message);
      this.pixels = pixels;
    }

    /** How many pixels of the label have colours of no palette entry. */
    public long pixels() {
      return pixels;
    }
  }

  /**
   * The class map of an RGB label image. Fails ({@link UnknownColourException}, naming
   * {@code source}, the first unknown colour and its position, and how many pixels are
   * unknown) when a pixel's colour is in no entry.
   */
  public ClassMap decode(Image8 label, String source) {
    if (label.channels() != 3) {
      throw new IllegalArgumentException(source + ": a colour-coded label must be RGB, got "
          + label.channels() + " channel(s)");
    }
    Map<Integer, Integer> lookup = new HashMap<>();
    int[] index = indexOfEntry();
    for (int i = 0; i < colours.length; i++) {
      lookup.put(colours[i], index[i]);
    }
    byte[] px = label.data();
    int n = label.height() * label.width();
    byte[] out = new byte[n];
    int lastColour = -1;
    int lastIndex = -1;
    long unknown = 0;
    int firstUnknown = -1;
    for (int p = 0; p < n; p++) {
      int c = (px[3 * p] & 0xFF) << 16 | (px[3 * p + 1] & 0xFF) << 8 | (px[3 * p + 2] & 0xFF);
      if (c != lastColour) {
        Integer k = lookup.get(c);
        lastColour = c;
        lastIndex = k == null ? -1 : k;
      }
      if (lastIndex < 0) {
        if (unknown++ == 0) {
          firstUnknown = p;
        }
      } else {
        out[p] = (byte) lastIndex;
      }
    }
    if (unknown > 0) {
      int row = firstUnknown / label.width();
      int col = firstUnknown % label.width();
      int c = (px[3 * firstUnknown] & 0xFF) << 16 | (px[3 * firstUnknown + 1] & 0xFF) << 8
          | (px[3 * firstUnknown + 2] & 0xFF);
      throw new UnknownColourException(String.format(Locale.ROOT, "%s: %d pixel(s) have colours "
          + "of no palette class, the first %s at row %d, column %d (palette: %s)", source,
          unknown, hex(c), row, col, names), unknown);
    }
    return new ClassMap(label.height(), label.width(), out);
  }

  /**
   * The RGB image of a class map: each class in its colour; ignored pixels in the colour of the
   * first ignored entry (black when there is none).
   */
  public Image8 encode(ClassMap map) {
    int[] index = indexOfEntry();
    int[] colourOf = new int[256];
    int ignoreColour = 0;
    boolean ignoreSet = false;
    for (int i = 0; i < index.length; i++) {
      if (index[i] == ClassMap.IGNORE) {
        if (!ignoreSet) {
          ignoreColour = colours[i];
          ignoreSet = true;
        }
      } else {
        colourOf[index[i]] = colours[i];
      }
    }
    colourOf[ClassMap.IGNORE] = ignoreColour;
    byte[] cls = map.classes();
    byte[] out = new byte[cls.length * 3];
    for (int p = 0; p < cls.length; p++) {
      int k = cls[p] & 0xFF;
      if (k >= classes() && k != ClassMap.IGNORE) {
        throw new IllegalArgumentException("class index " + k + " at pixel " + p + " is not one "
            + "of the palette's " + classes() + " classes");
      }
      int c = colourOf[k];
      out[3 * p] = (byte) (c >> 16);
      out[3 * p + 1] = (byte) (c >> 8);
      out[3 * p + 2] = (byte) c;
    }
    return new Image8(map.height(), map.width(), 3, out);
  }

  private static String hex(int rgb) {
    return String.format(Locale.ROOT, "#%06X (%d, %d, %d)", rgb, rgb >> 16 & 0xFF,
        rgb >> 8 & 0xFF, rgb & 0xFF);
  }
}
