package io.sparkseg.core.scene;

import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;

/**
 * How a label file encodes its classes: RGB colours of a {@link Palette} (the scene layout) or
 * class indices with one value ignored (the mask-folder layout: grey or palette PNGs, Pascal
 * VOC's 255 border). {@link #decode} gives the file's {@link ClassMap}; {@link #encode} writes a
 * predicted class map the same way, so predictions can be compared with labels file by file.
 *
 * @param palette the colours (scene), or null for index masks
 * @param classes the number of classes of index masks (the palette's otherwise)
 * @param ignoreValue the index value of ignored pixels (index masks)
 */
public record LabelDecoder(Palette palette, int classes, int ignoreValue)
    implements java.io.Serializable {

  public LabelDecoder {
    if (palette != null) {
      classes = palette.classes();
    }
    if (classes < 1 || classes >= ClassMap.IGNORE) {
      throw new IllegalArgumentException("classes must be 1..254, got " + classes);
    }
    if (palette == null && (ignoreValue < classes || ignoreValue > 255)) {
      throw new IllegalArgumentException("the ignore value must be a value no class has ("
          + classes + "..255), got " + ignoreValue);
    }
  }

  /** Colour-coded labels. */
  public static LabelDecoder palette(Palette palette) {
    return new LabelDecoder(palette, palette.classes(), ClassMap.IGNORE);
  }

  /** Class-index masks: values 0..classes-1, {@code ignoreValue} ignored. */
  public static LabelDecoder indices(int classes, int ignoreValue) {
    return new LabelDecoder(null, classes, ignoreValue);
  }

  /** Why a label cannot be used: its reason code and a message naming the file. */
  public static final class LabelException extends Exception {
    private final io.sparkseg.core.quality.QuarantineReason reason;

    public LabelException(io.sparkseg.core.quality.QuarantineReason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public io.sparkseg.core.quality.QuarantineReason reason() {
      return reason;
    }
  }

  /** The class map of a label file's bytes ({@code source} names it in errors). */
  public ClassMap decode(byte[] bytes, String source) throws LabelException {
    try {
      if (palette != null) {
        return palette.decode(ImageCodec.decode(bytes), source);
      }
      return IndexMasks.toClassMap(ImageCodec.decodeIndices(bytes), classes, ignoreValue,
          source);
    } catch (ImageDecodeException e) {
      throw new LabelException(e.reason(), source + ": " + e.getMessage());
    } catch (Palette.UnknownColourException e) {
      throw new LabelException(io.sparkseg.core.quality.QuarantineReason.UNKNOWN_COLOUR,
          e.getMessage());
    } catch (IllegalArgumentException e) {
      // e.g. a grey label where colours are expected
      throw new LabelException(io.sparkseg.core.quality.QuarantineReason.BAD_ANNOTATION,
          e.getMessage());
    }
  }

  /** The label file of a class map: palette colours (RGB PNG) or class indices (grey PNG). */
  public byte[] encode(ClassMap map) {
    if (palette != null) {
      return ImageCodec.encodePng(palette.encode(map));
    }
    byte[] px = map.classes().clone();
    for (int i = 0; i < px.length; i++) {
      if ((px[i] & 0xFF) == ClassMap.IGNORE) {
        px[i] = (byte) ignoreValue;
      }
    }
    return ImageCodec.encodePng(new io.sparkseg.core.image.Image8(map.height(), map.width(), 1,
        px));
  }

  /**
   * Adds a predicted label file (written by {@link #encode}) against its truth to
   * {@code confusion}; pixels the truth ignores are skipped. Fails when either cannot be read
   * or their sizes differ.
   */
  public void score(io.sparkseg.core.metrics.ConfusionMatrix confusion, byte[] predicted,
      String predictedSource, byte[] truth, String truthSource) throws LabelException {
    score(confusion, null, predicted, predictedSource, truth, truthSource);
  }

  /** As above, also adding to {@code boundary} (may be null). */
  public void score(io.sparkseg.core.metrics.ConfusionMatrix confusion,
      io.sparkseg.core.metrics.BoundaryF1 boundary, byte[] predicted, String predictedSource,
      byte[] truth, String truthSource) throws LabelException {
    ClassMap p = decode(predicted, predictedSource);
    ClassMap t = decode(truth, truthSource);
    if (p.height() != t.height() || p.width() != t.width()) {
      throw new LabelException(io.sparkseg.core.quality.QuarantineReason.LABEL_SIZE_MISMATCH,
          predictedSource + " is " + p.height() + "x" + p.width() + " but its truth "
              + truthSource + " is " + t.height() + "x" + t.width());
    }
    confusion.add(p, t);
    if (boundary != null) {
      boundary.add(p, t);
    }
  }

  /** Colours for pictures: the palette's, else the overlay colours. */
  public int[] colours() {
    return palette != null ? palette.classColours()
        : io.sparkseg.core.viz.ClassMapOverlay.defaultColours(classes);
  }

  /** The class names: the palette's, or "class 0".. for index masks. */
  public java.util.List<String> classNames() {
    if (palette != null) {
      return palette.classNames();
    }
    java.util.List<String> names = new java.util.ArrayList<>();
    for (int c = 0; c < classes; c++) {
      names.add("class " + c);
    }
    return names;
  }
}
