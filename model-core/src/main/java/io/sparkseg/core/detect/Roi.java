package io.sparkseg.core.detect;

import io.sparkseg.core.geometry.SquareCrop;
import io.sparkseg.core.mask.BinaryMask;

/**
 * How a person becomes a square region of interest around the torso (where the device sits).
 * From the person's mask (or box, for box-only detectors): the head top is the first mask row
 * (box top); the person's height {@code ph} runs to the last row; the torso is the band of rows
 * {@code torsoTop·ph … torsoBottom·ph} below the head top, its centre the mean x of the mask in
 * that band (box centre) and its width the mean mask width there ({@code boxTorsoWidth} × box
 * width). The square spans from {@code headMargin·ph} above the head top to the torso's bottom,
 * and is at least {@code widthMultiplier} torso widths wide; it is centred on the torso,
 * shifted to stay inside the photo, and padded only when it is larger than the photo.
 *
 * @param size side of the crop written (512)
 */
public record Roi(double headMargin, double torsoTop, double torsoBottom, double widthMultiplier,
    double boxTorsoWidth, int size) implements java.io.Serializable {

  public Roi {
    if (!(torsoTop >= 0 && torsoTop < torsoBottom && torsoBottom <= 1) || headMargin < 0
        || widthMultiplier <= 0 || boxTorsoWidth <= 0 || boxTorsoWidth > 1 || size <= 0) {
      throw new IllegalArgumentException("ROI settings out of range: head margin " + headMargin
          + ", torso " + torsoTop + ".." + torsoBottom + ", width multiplier " + widthMultiplier
          + ", box torso width " + boxTorsoWidth + ", size " + size);
    }
  }

  public static Roi defaults() {
    return new Roi(0.05, 0.15, 0.6, 1.8, 0.5, 512);
  }

  /** What to do with a photo where nobody was found. */
  public enum Fallback {
    /** The largest centred square. */
    CENTER("center"),
    /** The whole photo, padded to a square. */
    LETTERBOX("letterbox"),
    /** No crop: the photo goes to quarantine with reason {@code no-person}. */
    QUARANTINE("quarantine");

    private final String code;

    Fallback(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }

    public static Fallback of(String code) {
      for (Fallback f : values()) {
        if (f.code.equals(code)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown fallback '" + code
          + "' (center, letterbox or quarantine)");
    }
  }

  /** The torso measurements the square is built from, in photo pixels. */
  public record Torso(double headTop, double personHeight, double centerX, double width) {}

  /** Head top, person height, torso centre and width of a detection. */
  public Torso torso(Detection d) {
    BinaryMask m = d.mask();
    if (m != null && !m.isEmpty()) {
      int first = -1;
      int last = -1;
      for (int y = 0; y < m.height(); y++) {
        if (rowCount(m, y) > 0) {
          if (first < 0) {
            first = y;
          }
          last = y;
        }
      }
      double ph = last - first + 1;
      int from = first + (int) Math.floor(torsoTop * ph);
      int to = Math.max(from + 1, first + (int) Math.ceil(torsoBottom * ph));
      long sumX = 0;
      long n = 0;
      int rows = 0;
      for (int y = from; y < Math.min(to, m.height()); y++) {
        int c = 0;
        for (int x = 0; x < m.width(); x++) {
          if (m.get(y, x)) {
            sumX += x;
            c++;
          }
        }
        n += c;
        rows += c > 0 ? 1 : 0;
      }
      if (n > 0) {
        return new Torso(first, ph, sumX / (double) n + 0.5, n / (double) rows);
      }
    }
    return new Torso(d.y1(), d.height(), (d.x1() + d.x2()) / 2, d.width() * boxTorsoWidth);
  }

  /** The square around {@code person}'s torso in a {@code h × w} photo. */
  public SquareCrop crop(Detection person, int h, int w) {
    Torso t = torso(person);
    double top = t.headTop() - headMargin * t.personHeight();
    double bottom = t.headTop() + torsoBottom * t.personHeight();
    double side = Math.max(bottom - top, widthMultiplier * t.width());
    int s = (int) Math.round(Math.min(Math.max(side, 1), Math.max(h, w)));
    int x0 = place(t.centerX() - s / 2.0, s, w);
    int y0 = place((top + bottom) / 2 - s / 2.0, s, h);
    return new SquareCrop(h, w, x0, y0, s, size);
  }

  /** The crop for a photo without a person ({@link Fallback#QUARANTINE} has none). */
  public SquareCrop fallback(Fallback fallback, int h, int w) {
    return switch (fallback) {
      case CENTER -> {
        int s = Math.min(h, w);
        yield new SquareCrop(h, w, (w - s) / 2, (h - s) / 2, s, size);
      }
      case LETTERBOX -> {
        int s = Math.max(h, w);
        yield new SquareCrop(h, w, (w - s) / 2, (h - s) / 2, s, size);
      }
      case QUARANTINE -> throw new IllegalArgumentException("no crop: the fallback is quarantine");
    };
  }

  /** Start of a window of {@code s} pixels near {@code start}, inside {@code n} when it fits. */
  private static int place(double start, int s, int n) {
    if (s >= n) {
      return -Math.floorDiv(s - n + 1, 2);
    }
    return (int) Math.max(0, Math.min(n - s, Math.round(start)));
  }

  private static int rowCount(BinaryMask m, int y) {
    int c = 0;
    for (int x = 0; x < m.width(); x++) {
      if (m.get(y, x)) {
        c++;
      }
    }
    return c;
  }
}
