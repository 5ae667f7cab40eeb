package io.sparkseg.core.viz;

import io.sparkseg.core.train.EpochRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training curves of a run as a self-contained SVG, viewable in any browser: on the left the
 * training loss (solid) and validation loss (dashed) per epoch, on the right the validation
 * mean Dice, one colour per fold.
 */
public final class TrainingCurves {
  private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  static final int PANEL_W = 400;
  static final int PANEL_H = 260;
  static final int LEFT = 60;
  static final int TOP = 50;
  static final int GAP = 90;

  private TrainingCurves() {}

  /** The SVG document for {@code histories} (label → epochs, e.g. "fold 0" → its history). */
  public static String svg(String title, Map<String, List<EpochRecord>> histories) {
    int maxEpoch = 1;
    double maxLoss = 0;
    double minDice = 1;
    for (List<EpochRecord> h : histories.values()) {
      for (EpochRecord e : h) {
        maxEpoch = Math.max(maxEpoch, e.epoch());
        maxLoss = Math.max(maxLoss, finite(e.trainLoss()));
        if (e.valLoss() != null) {
          maxLoss = Math.max(maxLoss, finite(e.valLoss()));
        }
        Double d = dice(e);
        if (d != null) {
          minDice = Math.min(minDice, d);
        }
      }
    }
    maxLoss = maxLoss <= 0 ? 1 : maxLoss * 1.05;
    double diceLow = Math.max(0, Math.floor(minDice * 10) / 10);
    if (diceLow >= 1) {
      diceLow = 0.9;
    }
    int width = LEFT + 2 * PANEL_W + GAP + 160;
    int height = TOP + PANEL_H + 60;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
        + "width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", width,
        height));
    sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
        width, height));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n",
        LEFT, escape(title)));
    int x0 = LEFT;
    int x1 = LEFT + PANEL_W + GAP;
    axes(sb, x0, "loss (solid: train, dashed: validation)", 0, maxLoss, maxEpoch);
    axes(sb, x1, "validation mean Dice", diceLow, 1, maxEpoch);
    int i = 0;
    for (Map.Entry<String, List<EpochRecord>> f : histories.entrySet()) {
      String colour = COLOURS[i % COLOURS.length];
      List<double[]> train = new ArrayList<>();
      List<double[]> val = new ArrayList<>();
      List<double[]> dice = new ArrayList<>();
      for (EpochRecord e : f.getValue()) {
        train.add(new double[] {e.epoch(), finite(e.trainLoss())});
        if (e.valLoss() != null) {
          val.add(new double[] {e.epoch(), finite(e.valLoss())});
        }
        if (dice(e) != null) {
          dice.add(new double[] {e.epoch(), dice(e)});
        }
      }
      line(sb, x0, train, 0, maxLoss, maxEpoch, colour, false);
      line(sb, x0, val, 0, maxLoss, maxEpoch, colour, true);
      line(sb, x1, dice, diceLow, 1, maxEpoch, colour, false);
      int ly = TOP + 10 + 18 * i;
      int lx = x1 + PANEL_W + 20;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
          + "stroke=\"%s\" stroke-width=\"2\"/>%n", lx, ly, lx + 20, ly, colour));
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 26,
          ly + 4, escape(f.getKey())));
      i++;
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static Double dice(EpochRecord e) {
    return e.metrics() == null ? null : e.metrics().get("dice.mean");
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  static double px(int x0, double epoch, int maxEpoch) {
    return x0 + (maxEpoch == 1 ? PANEL_W / 2.0 : (epoch - 1) * PANEL_W / (maxEpoch - 1.0));
  }

  static double py(double v, double low, double high) {
    return TOP + PANEL_H - (v - low) / (high - low) * PANEL_H;
  }

  private static void axes(StringBuilder sb, int x0, String label, double low, double high,
      int maxEpoch) {
    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
        + "fill=\"none\" stroke=\"#444\"/>%n", x0, TOP, PANEL_W, PANEL_H));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x0, TOP - 8,
        escape(label)));
    for (int k = 0; k <= 4; k++) {
      double v = low + (high - low) * k / 4;
      double y = py(v, low, high);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
          + "stroke=\"#ddd\"/>%n", x0, y, x0 + PANEL_W, y));
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
          + "%.3g</text>%n", x0 - 6, y + 4, v));
    }
    int step = Math.max(1, maxEpoch / 10);
    for (int e = 1; e <= maxEpoch; e += step) {
      sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
          + "%d</text>%n", px(x0, e, maxEpoch), TOP + PANEL_H + 16, e));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch"
        + "</text>%n", x0 + PANEL_W / 2, TOP + PANEL_H + 34));
  }

  private static void line(StringBuilder sb, int x0, List<double[]> points, double low,
      double high, int maxEpoch, String colour, boolean dashed) {
    if (points.isEmpty()) {
      return;
    }
    StringBuilder p = new StringBuilder();
    for (double[] pt : points) {
      p.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x0, pt[0], maxEpoch),
          py(pt[1], low, high)));
    }
    sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" "
        + "stroke-width=\"2\"%s points=\"%s\"/>%n", colour,
        dashed ? " stroke-dasharray=\"6,4\"" : "", p.toString().trim()));
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
