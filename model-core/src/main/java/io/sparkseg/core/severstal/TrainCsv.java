package io.sparkseg.core.severstal;

import io.sparkseg.core.quality.QuarantineReason;
import java.util.Locale;

/**
 * Reads Severstal's {@code train.csv} row by row in either layout Kaggle has published:
 * <ul>
 *   <li>{@link Layout#IMAGE_CLASS}: {@code ImageId,ClassId,EncodedPixels}, defect rows only;
 *   <li>{@link Layout#LEGACY}: {@code ImageId_ClassId,EncodedPixels}, four rows per image, an
 *       empty {@code EncodedPixels} meaning "no defect of this class".
 * </ul>
 * A row parses to a {@link Row}: a mask, a no-defect declaration, or a rejection with its reason.
 * The RLE itself is validated later, against the image's real size.
 */
public final class TrainCsv {
  private TrainCsv() {}

  /** The two header layouts. */
  public enum Layout {
    IMAGE_CLASS("ImageId,ClassId,EncodedPixels"),
    LEGACY("ImageId_ClassId,EncodedPixels");

    private final String header;

    Layout(String header) {
      this.header = header;
    }

    public String header() {
      return header;
    }
  }

  /** What one data row says. Exactly one of the three kinds, told by {@link #kind()}. */
  public record Row(Kind kind, String imageId, Integer classId, String rle,
      QuarantineReason reason, String detail) {
    /** The three kinds of row. */
    public enum Kind { MASK, NO_DEFECT, REJECTED }

    static Row mask(String imageId, int classId, String rle) {
      return new Row(Kind.MASK, imageId, classId, rle, null, null);
    }

    static Row noDefect(String imageId, int classId) {
      return new Row(Kind.NO_DEFECT, imageId, classId, null, null, null);
    }

    static Row rejected(String imageId, QuarantineReason reason, String detail) {
      return new Row(Kind.REJECTED, imageId, null, null, reason, detail);
    }
  }

  /** The layout a header line announces; fails with both accepted headers in the message. */
  public static Layout detect(String headerLine) {
    String h = stripBom(headerLine == null ? "" : headerLine).trim().replace("\"", "");
    for (Layout l : Layout.values()) {
      if (l.header.equalsIgnoreCase(h)) {
        return l;
      }
    }
    throw new IllegalArgumentException("unrecognised train.csv header '" + headerLine
        + "'; expected '" + Layout.IMAGE_CLASS.header + "' or '" + Layout.LEGACY.header + "'");
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  /** Parses one data line; {@code classes} is the number of classes (Severstal: 4). */
  public static Row parse(Layout layout, String line, int classes) {
    String[] f = line.split(",", -1);
    for (int i = 0; i < f.length; i++) {
      f[i] = unquote(f[i].trim());
    }
    return switch (layout) {
      case IMAGE_CLASS -> parseImageClass(f, line, classes);
      case LEGACY -> parseLegacy(f, line, classes);
    };
  }

  private static Row parseImageClass(String[] f, String line, int classes) {
    if (f.length != 3 || f[0].isEmpty()) {
      return Row.rejected(f.length > 0 && !f[0].isEmpty() ? f[0] : null,
          QuarantineReason.MALFORMED_ROW,
          "expected 3 fields ImageId,ClassId,EncodedPixels, got " + f.length);
    }
    return classified(f[0], f[1], f[2], classes);
  }

  private static Row parseLegacy(String[] f, String line, int classes) {
    if (f.length != 2) {
      return Row.rejected(null, QuarantineReason.MALFORMED_ROW,
          "expected 2 fields ImageId_ClassId,EncodedPixels, got " + f.length);
    }
    int sep = f[0].lastIndexOf('_');
    if (sep <= 0 || sep == f[0].length() - 1) {
      return Row.rejected(null, QuarantineReason.MALFORMED_ROW,
          "'" + f[0] + "' is not ImageId_ClassId");
    }
    return classified(f[0].substring(0, sep), f[0].substring(sep + 1), f[1], classes);
  }

  private static Row classified(String imageId, String classField, String rle, int classes) {
    int classId;
    try {
      classId = Integer.parseInt(classField);
    } catch (NumberFormatException e) {
      return Row.rejected(imageId, QuarantineReason.CLASS_OUT_OF_RANGE,
          "class '" + classField + "' is not an integer in 1.." + classes);
    }
    if (classId < 1 || classId > classes) {
      return Row.rejected(imageId, QuarantineReason.CLASS_OUT_OF_RANGE,
          String.format(Locale.ROOT, "class %d is outside 1..%d", classId, classes));
    }
    return rle.isBlank() ? Row.noDefect(imageId, classId) : Row.mask(imageId, classId, rle.trim());
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1) : s;
  }
}
