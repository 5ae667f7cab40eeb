package io.sparkseg.core.report;

import io.sparkseg.core.card.RunCard;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report, {@code runs/<id>/report.html}: one self-contained page (styles inline, pictures
 * as data URIs, no script, nothing fetched) that people open in a browser. Built from the run's
 * model card plus what the card does not hold: the training curves, the last predict's figures,
 * a gallery of the best and worst test images, and a confusion matrix for class maps. Every
 * section is an {@code <section id=…>}: data, training, postprocessing, test, predict, gallery,
 * confusion, limitations.
 */
public final class RunReport {
  /** A picture for the gallery: a PNG with its caption. */
  public record Picture(String caption, byte[] png) {}

  /**
   * The last {@code predict} with this run's models: images listed, scored and quarantined (by
   * reason), and where its outputs went.
   */
  public record PredictSummary(String at, String images, long listed, long scored,
      Map<String, Long> quarantined, String submission, String overlays) {}

  /** Pixel counts, truth in rows and prediction in columns, classes in order. */
  public record Confusion(List<String> classes, long[][] counts) {}

  /** The gallery's legend: class name to RGB colour. */
  public record Legend(List<String> names, List<int[]> colours) {}

  private RunReport() {}

  /**
   * The page; every argument but {@code card} may be null or empty. {@code gallery} holds the
   * pictures under their headings, in order (e.g. worst by Dice, best by Dice).
   */
  public static String html(RunCard card, String curvesSvg, PredictSummary predict,
      Map<String, List<Picture>> gallery, Legend legend, Confusion confusion) {
    StringBuilder h = new StringBuilder(64 * 1024);
    String title = "sparkseg run " + card.runId();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>").append(esc(title)).append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;"
            + "color:#222;padding:0 1em}h1{margin-bottom:.2em}section{margin:2em 0}"
            + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
            + "padding:.25em .6em;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:"
            + "left}.muted{color:#666}.good{color:#1a7f37}.bad{color:#b42318}"
            + ".headline{font-size:1.3em}figure{margin:1em 0}figure img{width:100%;"
            + "image-rendering:pixelated;border:1px solid #ccc}figcaption{color:#444}"
            + ".swatch{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;"
            + "vertical-align:middle;border:1px solid #888}svg{max-width:100%;height:auto}")
        .append("</style></head><body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"muted\">Updated ")
        .append(esc(card.updatedAt())).append(". ").append(esc(card.task())).append("</p>\n");
    headline(h, card);
    data(h, card);
    training(h, card, curvesSvg);
    postProcessing(h, card);
    test(h, card);
    if (predict != null) {
      predict(h, predict);
    }
    if (gallery != null && gallery.values().stream().anyMatch(l -> !l.isEmpty())) {
      gallery(h, gallery, legend);
    }
    if (confusion != null) {
      confusion(h, confusion);
    }
    h.append("<section id=\"limitations\"><h2>Limitations</h2><ul>\n");
    card.limitations().forEach(l -> h.append("<li>").append(esc(l)).append("</li>\n"));
    h.append("</ul></section>\n");
    RunCard.Environment e = card.environment();
    h.append("<footer class=\"muted\">sparkseg ").append(esc(e.sparksegVersion()))
        .append(", git ").append(esc(e.gitCommit())).append(", DJL ").append(esc(e.djl()))
        .append(", ").append(esc(e.engine())).append(", Java ").append(esc(e.java()))
        .append(", Spark ").append(esc(e.spark())).append("; trained on ")
        .append(esc(String.valueOf(e.devices()))).append(".</footer>\n</body></html>\n");
    return h.toString();
  }

  private static boolean softmax(RunCard card) {
    return "softmax".equals(card.model().activation());
  }

  /** The metric the run is judged by: mean Dice, or mIoU for softmax runs. */
  private static String mainKey(RunCard card) {
    return softmax(card) && card.meanSd().containsKey("miou") ? "miou" : "dice.mean";
  }

  private static void headline(StringBuilder h, RunCard card) {
    String key = mainKey(card);
    double[] v = card.meanSd().get(key);
    h.append("<p class=\"headline\">");
    if (v != null) {
      h.append(String.format(Locale.ROOT, "Validation %s <b>%.4f ± %.4f</b> over %d fold(s)",
          key.equals("miou") ? "mIoU" : "mean Dice", v[0], v[1], card.folds().size()));
    }
    RunCard.TestScore t = card.testScore();
    if (t != null) {
      h.append(String.format(Locale.ROOT, "; test %s <b class=\"%s\">%.4f</b> on %d images "
              + "against %.4f for %s", t.miou() ? "mIoU" : "Kaggle Dice",
          t.dice() > t.emptyBaseline() ? "good" : "bad", t.dice(), t.images(),
          t.emptyBaseline(), t.miou() ? "the majority class" : "the empty submission"));
    }
    h.append(".</p>\n");
  }

  private static void data(StringBuilder h, RunCard card) {
    RunCard.Data d = card.data();
    h.append("<section id=\"data\"><h2>Data</h2><p>Table <code>").append(esc(d.table()))
        .append("</code> from <code>").append(esc(d.source())).append("</code> (")
        .append(esc(d.kind())).append("): ").append(esc(d.imageSize())).append(" images, ")
        .append(esc(d.tiling())).append(".</p>\n<table><tr><th class=\"l\">fold</th>");
    for (int f = 0; f < d.imagesPerFold().size(); f++) {
      h.append("<th>").append(f).append("</th>");
    }
    long total = d.imagesPerFold().stream().mapToLong(Long::longValue).sum();
    h.append("<th>all</th></tr><tr><td class=\"l\">images</td>");
    d.imagesPerFold().forEach(n -> h.append("<td>").append(n).append("</td>"));
    h.append("<td>").append(total).append("</td></tr></table>\n");
    h.append("<table><tr><th class=\"l\">class</th><th>images with it</th><th>share</th></tr>");
    for (int c = 0; c < d.imagesPerClass().size(); c++) {
      long n = d.imagesPerClass().get(c);
      h.append("<tr><td class=\"l\">").append(c + 1).append(' ')
          .append(esc(name(card, c))).append("</td><td>").append(n).append("</td><td>")
          .append(total == 0 ? "" : String.format(Locale.ROOT, "%.1f %%", 100.0 * n / total))
          .append("</td></tr>");
    }
    h.append("</table></section>\n");
  }

  private static String name(RunCard card, int c) {
    return c < card.classNames().size() ? card.classNames().get(c) : "class " + (c + 1);
  }

  private static void training(StringBuilder h, RunCard card, String curvesSvg) {
    RunCard.Model m = card.model();
    h.append("<section id=\"training\"><h2>Training</h2><p>").append(esc(m.architecture()))
        .append(" on ").append(esc(m.encoder())).append(", ").append(m.classes())
        .append(" classes, ").append(esc(m.activation())).append(" output; encoder weights ")
        .append(esc(m.weights())).append(".</p>\n<p class=\"muted\"><code>")
        .append(esc(card.training())).append("</code></p>\n");
    if (curvesSvg != null && curvesSvg.contains("<svg")) {
      h.append("<figure>").append(curvesSvg.substring(curvesSvg.indexOf("<svg")))
          .append("<figcaption>Training and validation loss and the validation score per "
              + "epoch, one colour per fold.</figcaption></figure>\n");
    }
    List<String> keys = metricKeys(card);
    h.append("<table><tr><th class=\"l\">fold</th><th>best epoch</th>");
    keys.forEach(k -> h.append("<th>").append(esc(label(card, k))).append("</th>"));
    h.append("<th>device</th><th>seconds</th></tr>\n");
    for (RunCard.Fold f : card.folds()) {
      h.append("<tr><td class=\"l\">").append(f.fold()).append("</td><td>")
          .append(f.bestEpoch()).append(" of ").append(f.epochsRun()).append("</td>");
      keys.forEach(k -> h.append(num(f.metrics().get(k))));
      h.append("<td>").append(esc(f.device())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.0f", f.seconds())).append("</td></tr>\n");
    }
    h.append("<tr><th class=\"l\">mean ± sd</th><td></td>");
    keys.forEach(k -> {
      double[] v = card.meanSd().get(k);
      h.append(v == null ? "<td></td>" : String.format(Locale.ROOT,
          "<td><b>%.4f</b> ± %.4f</td>", v[0], v[1]));
    });
    h.append("<td></td><td></td></tr></table></section>\n");
  }

  private static List<String> metricKeys(RunCard card) {
    Map<String, Boolean> keys = new LinkedHashMap<>();
    String per = softmax(card) ? "iou." : "dice.";
    for (int c = 1; c <= card.classNames().size(); c++) {
      keys.put(per + c, true);
    }
    keys.put(softmax(card) ? "miou" : "dice.mean", true);
    List<String> out = new ArrayList<>();
    for (String k : keys.keySet()) {
      if (card.meanSd().containsKey(k)
          || card.folds().stream().anyMatch(f -> f.metrics().containsKey(k))) {
        out.add(k);
      }
    }
    return out;
  }

  private static String label(RunCard card, String key) {
    int dot = key.indexOf('.');
    if (dot > 0 && key.substring(dot + 1).matches("\\d+")) {
      int c = Integer.parseInt(key.substring(dot + 1));
      return key.substring(0, dot).replace("iou", "IoU").replace("dice", "Dice") + " "
          + name(card, c - 1);
    }
    return key.equals("miou") ? "mIoU" : key.equals("dice.mean") ? "mean Dice" : key;
  }

  private static String num(Double v) {
    return v == null || v.isNaN() ? "<td></td>" : String.format(Locale.ROOT, "<td>%.4f</td>", v);
  }

  private static void postProcessing(StringBuilder h, RunCard card) {
    h.append("<section id=\"postprocessing\"><h2>Post-processing</h2>\n");
    RunCard.PostProcessing p = card.postProcessing();
    if (softmax(card)) {
      h.append("<p>None: a softmax model's class map is the argmax of its probabilities.</p>");
    } else if (p == null) {
      h.append("<p>Not tuned yet (<code>sparkseg tune</code>): predict uses threshold 0.5 and "
          + "no minimum area.</p>");
    } else {
      h.append("<p>Tuned on ").append(p.images()).append(" out-of-fold images (<code>")
          .append(esc(p.source())).append("</code>).</p>\n<table><tr><th class=\"l\">class</th>"
              + "<th>threshold</th><th>min area</th><th>max area</th><th>gate</th>"
              + "<th>OOF Dice, tuned</th>"
              + "<th>at 0.5, no area</th><th>gain</th></tr>\n");
      double tuned = 0;
      double plain = 0;
      for (int c = 0; c < p.thresholds().size(); c++) {
        double gain = p.dice().get(c) - p.defaultDice().get(c);
        tuned += p.dice().get(c);
        plain += p.defaultDice().get(c);
        h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%d %s</td><td>%.2f</td>"
                + "<td>%d</td><td>%s</td><td>%.2f</td><td>%.4f</td><td>%.4f</td>"
                + "<td class=\"%s\">%+.4f</td></tr>%n", c + 1, esc(name(card, c)),
            p.thresholds().get(c), p.minAreas().get(c), p.maxArea(c), p.gates().get(c),
            p.dice().get(c), p.defaultDice().get(c),
            gain > 0 ? "good" : gain < 0 ? "bad" : "", gain));
      }
      int n = p.thresholds().size();
      h.append(String.format(Locale.ROOT, "<tr><th class=\"l\">mean</th><td></td><td></td>"
          + "<td></td><td></td><td><b>%.4f</b></td><td>%.4f</td><td>%+.4f</td></tr></table>%n",
          tuned / n, plain / n, (tuned - plain) / n));
    }
    h.append("</section>\n");
  }

  private static void test(StringBuilder h, RunCard card) {
    h.append("<section id=\"test\"><h2>Test score</h2>\n");
    RunCard.TestScore t = card.testScore();
    if (t == null) {
      h.append("<p>None yet: no prediction of this run has been scored against truth.</p>");
    } else {
      h.append(String.format(Locale.ROOT, "<p>%s <b>%.4f</b> on %d held-out images "
              + "(<code>%s</code>, %s%s); %s scores %.4f.</p>", t.miou() ? "mIoU"
              : "Kaggle mean Dice", t.dice(), t.images(), esc(t.truth()), esc(t.scoredAt()),
          esc(t.scoredWith()),
          t.miou() ? "the majority class everywhere" : "the empty submission",
          t.emptyBaseline()));
    }
    h.append("</section>\n");
  }

  private static void predict(StringBuilder h, PredictSummary p) {
    long quarantined = p.quarantined().values().stream().mapToLong(Long::longValue).sum();
    h.append("<section id=\"predict\"><h2>Predict</h2><p>").append(esc(p.at())).append(": ")
        .append(p.listed()).append(" image(s) under <code>").append(esc(p.images()))
        .append("</code>, ").append(p.scored()).append(" scored, ").append(quarantined)
        .append(" quarantined.");
    if (p.submission() != null) {
      h.append(" Submission: <code>").append(esc(p.submission())).append("</code>.");
    }
    if (p.overlays() != null) {
      h.append(" Overlays: <code>").append(esc(p.overlays())).append("</code>.");
    }
    h.append("</p>\n");
    if (quarantined > 0) {
      h.append("<table><tr><th class=\"l\">quarantine reason</th><th>images</th></tr>");
      p.quarantined().forEach((reason, n) -> h.append("<tr><td class=\"l\">").append(esc(reason))
          .append("</td><td>").append(n).append("</td></tr>"));
      h.append("</table>\n");
    }
    h.append("</section>\n");
  }

  private static void gallery(StringBuilder h, Map<String, List<Picture>> gallery,
      Legend legend) {
    h.append("<section id=\"gallery\"><h2>Images</h2>\n<p>Each image: the prediction filled, "
        + "the truth (where known) outlined, in the class's colour.");
    if (legend != null) {
      for (int c = 0; c < legend.names().size(); c++) {
        int[] rgb = legend.colours().get(c);
        h.append(String.format(Locale.ROOT, "<span class=\"swatch\" style=\"background:"
            + "rgb(%d,%d,%d)\"></span>%s", rgb[0], rgb[1], rgb[2], esc(legend.names().get(c))));
      }
    }
    h.append("</p>\n");
    gallery.forEach((title, pictures) -> pictures(h, title, pictures));
    h.append("</section>\n");
  }

  private static void pictures(StringBuilder h, String title, List<Picture> pictures) {
    if (pictures == null || pictures.isEmpty()) {
      return;
    }
    h.append("<h3>").append(esc(title)).append("</h3>\n");
    for (Picture p : pictures) {
      h.append("<figure><img alt=\"").append(esc(p.caption())).append("\" src=\"data:image/png;"
          + "base64,").append(Base64.getEncoder().encodeToString(p.png())).append("\">")
          .append("<figcaption>").append(esc(p.caption())).append("</figcaption></figure>\n");
    }
  }

  private static void confusion(StringBuilder h, Confusion c) {
    h.append("<section id=\"confusion\"><h2>Confusion matrix (pixels)</h2><p>Truth in rows, "
        + "prediction in columns; each row's share of its truth pixels.</p><table><tr>"
        + "<th class=\"l\">truth \\ predicted</th>");
    c.classes().forEach(n -> h.append("<th>").append(esc(n)).append("</th>"));
    h.append("</tr>\n");
    for (int t = 0; t < c.counts().length; t++) {
      long row = 0;
      for (long v : c.counts()[t]) {
        row += v;
      }
      h.append("<tr><td class=\"l\">").append(esc(c.classes().get(t))).append("</td>");
      for (int p = 0; p < c.counts()[t].length; p++) {
        double share = row == 0 ? 0 : (double) c.counts()[t][p] / row;
        h.append(String.format(Locale.ROOT, "<td style=\"background:rgba(31,119,180,%.2f)\" "
            + "title=\"%d pixels\">%.1f %%</td>", share * 0.8, c.counts()[t][p], 100 * share));
      }
      h.append("</tr>\n");
    }
    h.append("</table></section>\n");
  }

  /** Text for HTML: &amp;, &lt;, &gt; and quotes escaped. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }
}
