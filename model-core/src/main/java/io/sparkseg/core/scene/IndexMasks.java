package io.sparkseg.core.scene;

import io.sparkseg.core.image.Image8;
import java.util.Locale;

/**
 * Class-index masks (the mask-folder layout): each pixel's value is its class, 0..classes-1, and
 * one value (Pascal VOC's 255, configurable) marks pixels to ignore. Values beyond the classes
 * are refused, naming the file, the value and where it first occurs.
 */
public final class IndexMasks {
  private IndexMasks() {}

  /** The class map of a 1-channel index image ({@code ImageCodec.decodeIndices}). */
  public static ClassMap toClassMap(Image8 indices, int classes, int ignoreValue, String source) {
    if (indices.channels() != 1) {
      throw new IllegalArgumentException(source + ": a class-index mask has one channel, got "
          + indices.channels());
    }
    if (classes < 1 || classes > ClassMap.IGNORE) {
      throw new IllegalArgumentException("classes must be 1..255, got " + classes);
    }
    byte[] in = indices.data();
    byte[] out = new byte[in.length];
    long bad = 0;
    int first = -1;
    for (int p = 0; p < in.length; p++) {
      int v = in[p] & 0xFF;
      if (v == ignoreValue) {
        out[p] = (byte) ClassMap.IGNORE;
      } else if (v < classes) {
        out[p] = (byte) v;
      } else if (bad++ == 0) {
        first = p;
      }
    }
    if (bad > 0) {
      throw new Palette.UnknownColourException(String.format(Locale.ROOT, "%s: %d pixel(s) have "
              + "class values beyond the %d classes (ignore value %d), the first %d at row %d, "
              + "column %d", source, bad, classes, ignoreValue, in[first] & 0xFF,
          first / indices.width(), first % indices.width()), bad);
    }
    return new ClassMap(indices.height(), indices.width(), out);
  }
}
