package io.sparkseg.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.card.RunCard;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RunReportTest {
  static RunCard card(boolean tuned, boolean tested) {
    RunCard.Data data = new RunCard.Data("tiles@v3", "/data/sev", "severstal",
        List.of(40L, 40L, 40L), List.of(12L, 5L, 60L, 30L), "64×400", "64×128 tiles at stride 68");
    RunCard.Model model = new RunCard.Model("UNET", "resnet18", new int[] {64, 32, 16, 8, 8}, 4,
        "sigmoid", "random init");
    List<RunCard.Fold> folds = List.of(
        new RunCard.Fold(0, 5, 6, Map.of("dice.1", 0.9, "dice.2", 0.8, "dice.3", 0.7,
            "dice.4", 0.6, "dice.mean", 0.75), "cpu()", 61),
        new RunCard.Fold(1, 6, 6, Map.of("dice.1", 0.8, "dice.2", 0.8, "dice.3", 0.8,
            "dice.4", 0.8, "dice.mean", 0.8), "gpu(0)", 12));
    Map<String, double[]> meanSd = Map.of("dice.1", new double[] {0.85, 0.05},
        "dice.2", new double[] {0.8, 0}, "dice.3", new double[] {0.75, 0.05},
        "dice.4", new double[] {0.7, 0.1}, "dice.mean", new double[] {0.775, 0.025});
    RunCard c = new RunCard("r<1>", "2026-11-23T10:00:00Z", "Steel defects & more.",
        List.of("pits", "lines", "patches", "bands"), data, model, "epochs=6", folds, meanSd,
        null, null, new RunCard.Environment("0.1", "abc", "0.35.1", "PyTorch 2.7.1", "17",
            "4.0.4", List.of("cpu()")));
    if (tuned) {
      c = c.withPostProcessing(new RunCard.PostProcessing("oof@r1", 80,
          List.of(0.5f, 0.4f, 0.3f, 0.6f), List.of(0, 10, 20, 30), List.of(40, 0, 0, 0),
          List.of(0f, 0f, 0.9f, 0f),
          List.of(0.9, 0.8, 0.7, 0.6), List.of(0.85, 0.8, 0.72, 0.5)), "t");
    }
    if (tested) {
      c = c.withTestScore(new RunCard.TestScore("truth.csv", 24, 0.93, 0.85, "t2", null,
          "3 model(s), the folds' maximum for classes [1]"), "t2");
    }
    return c;
  }

  private static String section(String html, String id) {
    Matcher m = Pattern.compile("<section id=\"" + id + "\">(.*?)</section>", Pattern.DOTALL)
        .matcher(html);
    assertTrue(m.find(), "section " + id + " missing");
    return m.group(1);
  }

  @Test
  void aFullReportShowsEverySectionWithTheCardsFigures() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    String html = RunReport.html(card(true, true),
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M0 0\"/></svg>",
        new RunReport.PredictSummary("2026-11-23T11:00Z", "/data/test", 26, 24,
            Map.of("empty-file", 1L, "corrupt-image", 1L), "/w/submission.csv", "/w/overlays/r1"),
        new java.util.LinkedHashMap<>(Map.of("Worst by Dice",
            List.of(new RunReport.Picture("img-3.jpg: Dice 0.20", png)))),
        new RunReport.Legend(List.of("pits", "lines"), List.of(new int[] {255, 0, 0},
            new int[] {0, 255, 0})),
        new RunReport.Confusion(List.of("a", "b"), new long[][] {{90, 10}, {0, 50}}));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertFalse(html.contains("http://") && !html.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assertFalse(html.contains("<script"), "no script");
    assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "nothing fetched");
    assertTrue(html.contains("sparkseg run r&lt;1&gt;"), "escaped run id");
    assertTrue(html.contains("Steel defects &amp; more."));
    assertTrue(html.contains("Validation mean Dice <b>0.7750 ± 0.0250</b> over 2 fold(s)"), html);
    assertTrue(html.contains("test Kaggle Dice <b class=\"good\">0.9300</b> on 24 images "
        + "against 0.8500"), html);

    String data = section(html, "data");
    assertTrue(data.contains("<td>40</td><td>40</td><td>40</td><td>120</td>"), data);
    assertTrue(data.contains("2 lines</td><td>5</td><td>4.2 %</td>"), data);
    String training = section(html, "training");
    assertTrue(training.contains("<svg xmlns") && !training.contains("<?xml"), "inline svg");
    assertTrue(training.contains("<th>Dice bands</th>"), training);
    assertTrue(training.contains("<td><b>0.7000</b> ± 0.1000</td>"), training);
    assertTrue(training.contains("gpu(0)"), training);
    String post = section(html, "postprocessing");
    assertTrue(post.contains("<td class=\"good\">+0.0500</td>"), post);
    assertTrue(post.contains("<td class=\"bad\">-0.0200</td>"), post);
    assertTrue(post.contains("<td><b>0.7500</b></td><td>0.7175</td><td>+0.0325</td>"), post);
    // class 1: min area 0, max area 40; class 2: min area 10, no max area
    assertTrue(post.contains("<td>0.50</td><td>0</td><td>40</td><td>0.00</td>"), post);
    assertTrue(post.contains("<td>0.40</td><td>10</td><td>-</td><td>0.00</td>"), post);
    String card = card(true, true).markdown();
    assertTrue(card.contains("| min area | max area |") && card.contains("| 0.50 | 0 | 40 | 0.00 |"),
        card);
    assertTrue(section(html, "test").contains("<b>0.9300</b> on 24 held-out images"));
    // how predict combined the folds, where the score is shown
    assertTrue(section(html, "test").contains("t2 with 3 model(s), the folds&#39; maximum for "
        + "classes [1]"), section(html, "test"));
    assertTrue(card.contains("(`truth.csv`, t2 with 3 model(s), the folds' maximum for classes "
        + "[1])"), card);
    // a card written before the combination was recorded says nothing of it
    RunCard older = RunCard.fromJson(card(true, true).toJson().replaceAll(
        ",\\s*\"combination\": \"[^\"]*\"", ""), "older");
    assertEquals(null, older.testScore().combination());
    assertTrue(older.markdown().contains("(`truth.csv`, t2); "), older.markdown());
    String predict = section(html, "predict");
    assertTrue(predict.contains("26 image(s) under <code>/data/test</code>, 24 scored, 2 "
        + "quarantined"), predict);
    assertTrue(predict.contains("empty-file</td><td>1</td>"), predict);
    String gallery = section(html, "gallery");
    assertTrue(gallery.contains("<h3>Worst by Dice</h3>") && gallery.contains("img-3.jpg: Dice 0.20"));
    assertTrue(gallery.contains("data:image/png;base64," + Base64.getEncoder()
        .encodeToString(png)), gallery);
    assertTrue(gallery.contains("background:rgb(0,255,0)\"></span>lines"), gallery);
    String conf = section(html, "confusion");
    assertTrue(conf.contains("title=\"10 pixels\">10.0 %</td>"), conf);
    assertTrue(conf.contains("title=\"50 pixels\">100.0 %</td>"), conf);
    assertTrue(section(html, "limitations").contains("Class 2 (lines) is present in only 5"));
  }

  @Test
  void beforeTuneAndPredictTheReportSaysWhatIsMissing() {
    String html = RunReport.html(card(false, false), null, null, Map.of(), null, null);
    assertTrue(section(html, "postprocessing").contains("Not tuned yet"));
    assertTrue(section(html, "test").contains("None yet"));
    for (String id : new String[] {"predict", "gallery", "confusion"}) {
      assertFalse(html.contains("<section id=\"" + id + "\">"), id);
    }
    assertEquals(1, html.split("<h1>", -1).length - 1);
  }
}
