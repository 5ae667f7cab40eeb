package io.sparkseg.core.viz;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.scene.ClassMap;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A predicted class map for people to look at: the image with each class's pixels tinted in its
 * colour (the dataset's palette colours for scenes), the outline of the truth's class regions
 * when known, and a legend strip below it naming every class present with its colour swatch and
 * share of the image. Ignored pixels are left as they are. Images narrower than
 * {@value #MIN_WIDTH} pixels are enlarged by a whole factor (nearest) first.
 */
public final class ClassMapOverlay {
  private static final float ALPHA = 0.5f;
  private static final int ROW = 16;
  /** Narrower images are enlarged by a whole factor to at least this width. */
  static final int MIN_WIDTH = 480;

  private ClassMapOverlay() {}

  /**
   * {@code colours[c]} ({@code 0xRRGGBB}) and {@code names[c]} for class index c; {@code truth}
   * may be null.
   */
  public static Image8 render(Image8 image, ClassMap predicted, ClassMap truth, int[] colours,
      List<String> names) {
    if (predicted.height() != image.height() || predicted.width() != image.width()) {
      throw new IllegalArgumentException("class map " + predicted.height() + "x"
          + predicted.width() + " on an image of " + image.height() + "x" + image.width());
    }
    // small frames are enlarged (nearest, whole pixels) so the picture and legend are readable
    int f = factor(image.width(), MIN_WIDTH);
    if (f > 1) {
      image = enlarge(image, f);
      predicted = enlarge(predicted, f);
      truth = truth == null ? null : enlarge(truth, f);
    }
    int h = image.height();
    int w = image.width();
    long[] counts = predicted.histogram();
    byte[] rgb = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int r = image.data()[i * image.channels()] & 0xFF;
        int g = image.data()[i * image.channels() + (image.channels() == 1 ? 0 : 1)] & 0xFF;
        int b = image.data()[i * image.channels() + (image.channels() == 1 ? 0 : 2)] & 0xFF;
        int c = predicted.get(y, x);
        if (c != ClassMap.IGNORE && c < colours.length) {
          int col = colours[c];
          r = Math.round((1 - ALPHA) * r + ALPHA * (col >> 16 & 0xFF));
          g = Math.round((1 - ALPHA) * g + ALPHA * (col >> 8 & 0xFF));
          b = Math.round((1 - ALPHA) * b + ALPHA * (col & 0xFF));
        }
        if (truth != null && boundary(truth, y, x)) {
          r = 255;
          g = 255;
          b = 255;
        }
        rgb[3 * i] = (byte) r;
        rgb[3 * i + 1] = (byte) g;
        rgb[3 * i + 2] = (byte) b;
      }
    }
    long total = (long) h * w;
    List<String> labels = new java.util.ArrayList<>();
    List<Integer> swatches = new java.util.ArrayList<>();
    for (int c = 0; c < colours.length; c++) {
      if (counts[c] > 0) {
        double pct = 100.0 * counts[c] / total;
        labels.add(String.format(java.util.Locale.ROOT, pct < 1 ? "%s %.1f%%" : "%s %.0f%%",
            names.get(c), pct));
        swatches.add(colours[c]);
      }
    }
    return withLegend(new Image8(h, w, 3, rgb), labels, swatches);
  }

  /** Whole-pixel enlargement factor (at most 8) that makes an image at least {@code minWidth} wide. */
  static int factor(int width, int minWidth) {
    return Math.max(1, Math.min(8, (minWidth + width - 1) / width));
  }

  /**
   * {@code picture} (3 channels) with a white legend strip below it: a colour swatch
   * ({@code 0xRRGGBB}) and a label per entry, as many per row as fit.
   */
  static Image8 withLegend(Image8 picture, List<String> labels, List<Integer> colours) {
    int h = picture.height();
    int w = picture.width();
    int perRow = Math.max(1, w / 150);
    int legendRows = (labels.size() + perRow - 1) / perRow;
    int legend = legendRows * ROW + 6;
    BufferedImage out = new BufferedImage(w, h + legend, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = 3 * (y * w + x);
        out.setRGB(x, y, (picture.data()[i] & 0xFF) << 16 | (picture.data()[i + 1] & 0xFF) << 8
            | (picture.data()[i + 2] & 0xFF));
      }
    }
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, h, w, legend);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (int slot = 0; slot < labels.size(); slot++) {
        int x0 = (slot % perRow) * (w / perRow) + 4;
        int y0 = h + 3 + (slot / perRow) * ROW;
        g.setColor(new Color(colours.get(slot)));
        g.fillRect(x0, y0 + 2, 12, 11);
        g.setColor(Color.DARK_GRAY);
        g.drawRect(x0, y0 + 2, 12, 11);
        g.setColor(Color.BLACK);
        g.drawString(labels.get(slot), x0 + 16, y0 + 12);
      }
    } finally {
      g.dispose();
    }
    byte[] rgb = new byte[w * (h + legend) * 3];
    for (int y = 0; y < h + legend; y++) {
      for (int x = 0; x < w; x++) {
        int p = out.getRGB(x, y);
        int i = 3 * (y * w + x);
        rgb[i] = (byte) (p >> 16);
        rgb[i + 1] = (byte) (p >> 8);
        rgb[i + 2] = (byte) p;
      }
    }
    return new Image8(h + legend, w, 3, rgb);
  }

  /** Colours for class indices without a palette: the overlay colours of the sigmoid path. */
  public static int[] defaultColours(int classes) {
    int[] out = new int[classes];
    for (int c = 0; c < classes; c++) {
      int[] rgb = Overlay.colour(c);
      out[c] = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
    }
    return out;
  }

  static Image8 enlarge(Image8 src, int f) {
    int ch = src.channels();
    int w = src.width() * f;
    byte[] out = new byte[src.height() * f * w * ch];
    for (int y = 0; y < src.height() * f; y++) {
      for (int x = 0; x < w; x++) {
        System.arraycopy(src.data(), ((y / f) * src.width() + x / f) * ch, out, (y * w + x) * ch,
            ch);
      }
    }
    return new Image8(src.height() * f, w, ch, out);
  }

  private static ClassMap enlarge(ClassMap src, int f) {
    int w = src.width() * f;
    byte[] out = new byte[src.height() * f * w];
    for (int y = 0; y < src.height() * f; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) src.get(y / f, x / f);
      }
    }
    return new ClassMap(src.height() * f, w, out);
  }

  private static boolean boundary(ClassMap m, int y, int x) {
    int c = m.get(y, x);
    return y + 1 < m.height() && m.get(y + 1, x) != c || x + 1 < m.width() && m.get(y, x + 1) != c;
  }
}
