package io.sparkseg.jobs;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sparkseg.core.card.RunCard;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.jobs.export.ExportJob;
import io.sparkseg.jobs.predict.PredictJob;
import java.util.List;
import java.util.Locale;
import io.sparkseg.jobs.io.TableStore;
import org.apache.spark.sql.Row;
import static org.apache.spark.sql.functions.col;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.severstal.Submission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on demo data, as `run` does it: ETL, training of two folds on CPU, tuning on the
 * out-of-fold predictions, prediction of the held-out test images. The submission must beat
 * the empty submission by a clear margin on the test truth, scored independently of predict's
 * own figure.
 */
class RunPipelineTest {
  /** The demo preset (conf/demo.conf), shrunk to fit a test: fewer images, 2 folds. */
  static SparksegConfig config(Path work) {
    return SparkTestSupport.config(work, settings(work));
  }

  private static Map<String, String> settings(Path work) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("demo.train-images", "96");
    o.put("demo.test-images", "24");
    o.put("demo.clean-fraction", "0.4");
    o.put("data.image-height", "64");
    o.put("data.image-width", "400");
    o.put("tiles.width", "128");
    o.put("tiles.stride", "64");
    o.put("folds.k", "2");
    o.put("model.encoder", "resnet18");
    o.put("model.decoder-channels", "[128, 64, 32, 16, 16]");
    o.put("train.epochs", "5");
    o.put("train.batch-size", "16");
    o.put("train.learning-rate", "2e-3");
    o.put("train.warmup-epochs", "0");
    o.put("train.augmentation", "flips");
    o.put("train.sampling", "repeat-factor");
    o.put("train.run-id", "e2e");
    o.put("tune.min-areas", "[0, 10, 20, 40, 80, 160]");
    o.put("predict.overlays", "3");
    o.put("predict.truth-csv", work.resolve("demo-data/test_truth.csv").toString());
    return o;
  }

  @Test
  void submissionClearlyBeatsTheEmptyBaseline(@TempDir Path work) throws Exception {
    SparksegConfig cfg = config(work);
    Pipeline.generateDemo(cfg, System.out);
    SparkSession spark = SparkTestSupport.spark(cfg);
    Pipeline.RunResult r = Pipeline.run(spark, cfg, System.out);

    assertEquals(2, r.training().folds().size());
    assertEquals(96, r.tuning().images(), "every training image has out-of-fold predictions");
    assertEquals(24, r.prediction().scored());
    assertTrue(Files.isRegularFile(work.resolve("runs/e2e/postprocessing.json")));
    try (var s = Files.list(work.resolve("overlays/e2e"))) {
      assertEquals(3, s.count());
    }

    // scored here with the project's reader of Kaggle files, not with predict's figure
    Map<String, BinaryMask[]> submission = Submission.read(work.resolve("submission.csv"), 4,
        64, 400);
    Map<String, BinaryMask[]> truth = Submission.read(work.resolve("demo-data/test_truth.csv"),
        4, 64, 400);
    assertEquals(24, submission.size());
    double dice = Submission.score(submission, truth, 4, 64, 400).metrics().asMap()
        .get("dice.mean");
    Map<String, BinaryMask[]> nothing = new LinkedHashMap<>();
    submission.keySet().forEach(id -> nothing.put(id, new BinaryMask[4]));
    double empty = Submission.score(nothing, truth, 4, 64, 400).metrics().asMap()
        .get("dice.mean");
    System.out.printf("test-set Kaggle Dice %.4f, empty submission %.4f%n", dice, empty);
    assertEquals(dice, r.prediction().diceAndBaseline()[0], 1e-9);
    assertEquals(empty, r.prediction().diceAndBaseline()[1], 1e-9);
    assertTrue(dice > empty + 0.04, "mean Dice " + dice + " does not clearly beat the empty "
        + "submission's " + empty);

    // the model card holds the run's real figures: read back against summary.json,
    // postprocessing.json and the test score
    Path run = work.resolve("runs/e2e");
    RunCard card = RunCard.fromJson(Files.readString(run.resolve(RunCard.JSON)), "card");
    JsonObject summary = JsonParser.parseString(Files.readString(run.resolve("summary.json")))
        .getAsJsonObject();
    JsonArray folds = summary.getAsJsonArray("folds");
    assertEquals(folds.size(), card.folds().size());
    for (int i = 0; i < folds.size(); i++) {
      JsonObject f = folds.get(i).getAsJsonObject();
      assertEquals(f.get("fold").getAsInt(), card.folds().get(i).fold());
      assertEquals(f.get("bestEpoch").getAsInt(), card.folds().get(i).bestEpoch());
      for (var m : f.getAsJsonObject("metrics").entrySet()) {
        assertEquals(m.getValue().getAsDouble(), card.folds().get(i).metrics().get(m.getKey()),
            1e-12, m.getKey());
      }
    }
    JsonArray meanSd = summary.getAsJsonObject("diceMeanSd").getAsJsonArray("dice.mean");
    assertEquals(meanSd.get(0).getAsDouble(), card.meanSd().get("dice.mean")[0], 1e-12);
    assertEquals(meanSd.get(1).getAsDouble(), card.meanSd().get("dice.mean")[1], 1e-12);
    assertEquals(96L, card.data().imagesPerFold().stream().mapToLong(Long::longValue).sum());
    Tuning tuned = Tuning.fromJson(Files.readString(run.resolve(Tuning.FILE)), "tuning");
    for (int c = 0; c < 4; c++) {
      assertEquals(tuned.classes().get(c).rule().threshold(),
          card.postProcessing().thresholds().get(c));
      assertEquals(tuned.classes().get(c).rule().minArea(),
          card.postProcessing().minAreas().get(c));
    }
    assertEquals(dice, card.testScore().dice(), 1e-9);
    assertEquals(24, card.testScore().images());
    String md = Files.readString(run.resolve(RunCard.MARKDOWN));
    assertTrue(md.contains(String.format(Locale.ROOT, "%.4f ± %.4f",
        card.meanSd().get("dice.mean")[0], card.meanSd().get("dice.mean")[1])), md);
    assertTrue(md.contains(String.format(Locale.ROOT, "Kaggle mean Dice %.4f on 24", dice)), md);
    assertTrue(md.contains("## Limitations"), md);
    checkReport(run, card, submission, truth, spark, cfg);

    // the trained ensemble exported: checked against PyTorch, and it scores the test images
    // as the run's models did
    Path onnx = work.resolve("export/e2e.onnx");
    ExportJob.Result exported = ExportJob.run(cfg, spark.sparkContext().hadoopConfiguration(),
        "e2e", null, true, onnx.toString(), System.out);
    assertTrue(exported.maxDifference() < 1e-4, "trained weights: " + exported.maxDifference());
    assertTrue(Files.isRegularFile(work.resolve("export/e2e.MODEL_CARD.md")));
    Map<String, String> o = settings(work);
    o.put("predict.model", onnx.toString());
    o.put("predict.submission", work.resolve("onnx-submission.csv").toString());
    SparksegConfig onnxCfg = SparkTestSupport.config(work, o);
    PredictJob.Result ort = PredictJob.run(spark, onnxCfg, System.out);
    assertEquals(24, ort.scored());
    assertEquals(dice, ort.diceAndBaseline()[0], 2e-3, "ONNX Runtime scores the test images "
        + "as PyTorch did");
    Map<String, Float> torchMax = new java.util.HashMap<>();
    TableStore store = new TableStore(spark, cfg.tables());
    for (Row row : store.read(TableStore.PREDICTIONS).filter(col("model_run_id").equalTo("e2e"))
        .collectAsList()) {
      torchMax.put(row.getAs("image_id") + "/" + row.getAs("class_id"),
          row.getAs("max_probability"));
    }
    List<Row> ortRows = store.read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(ort.modelRunId())).collectAsList();
    assertEquals(torchMax.size(), ortRows.size());
    for (Row row : ortRows) {
      float expected = torchMax.get(row.getAs("image_id") + "/" + row.getAs("class_id"));
      assertEquals(expected, row.<Float>getAs("max_probability"), 1e-4f, "trained weights, "
          + "real image " + row.getAs("image_id") + " class " + row.getAs("class_id"));
    }
  }

  /**
   * runs/e2e/report.html read back against the card, the predictions table and the submission,
   * then rendered by a real browser (Debian's chromium, headless) where one is installed.
   */
  private static void checkReport(Path run, RunCard card, Map<String, BinaryMask[]> submission,
      Map<String, BinaryMask[]> truth, SparkSession spark, SparksegConfig cfg) throws Exception {
    Path report = run.resolve("report.html");
    String html = Files.readString(report);
    for (String id : new String[] {"data", "training", "postprocessing", "test", "predict",
        "gallery", "limitations"}) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), id);
    }
    assertTrue(html.contains(String.format(Locale.ROOT, "Validation mean Dice <b>%.4f ± %.4f</b>",
        card.meanSd().get("dice.mean")[0], card.meanSd().get("dice.mean")[1])));
    assertTrue(html.contains(String.format(Locale.ROOT, "<b>%.4f</b> on 24 held-out images",
        card.testScore().dice())));
    long predicted = new TableStore(spark, cfg.tables()).read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo("e2e")).select("image_id").distinct().count();
    assertTrue(html.contains("24 image(s) under <code>" + cfg.predict().images() + "</code>, "
        + predicted + " scored, 0 quarantined"), html.substring(html.indexOf("id=\"predict\"")));
    assertTrue(html.contains("<svg"), "the training curves inline");
    // the gallery: the worst and the best test images by Dice, as the test computes them
    List<Double> perImage = new java.util.ArrayList<>();
    List<Double> withDefects = new java.util.ArrayList<>();
    for (var e : submission.entrySet()) {
      double sum = 0;
      boolean defects = false;
      for (int c = 0; c < 4; c++) {
        BinaryMask p = e.getValue()[c];
        BinaryMask t = truth.getOrDefault(e.getKey(), new BinaryMask[4])[c];
        int np = p == null ? 0 : p.count();
        int nt = t == null ? 0 : t.count();
        int both = 0;
        for (int y = 0; np > 0 && nt > 0 && y < 64; y++) {
          for (int x = 0; x < 400; x++) {
            both += p.get(y, x) && t.get(y, x) ? 1 : 0;
          }
        }
        sum += np + nt == 0 ? 1 : 2.0 * both / (np + nt);
        defects |= nt > 0;
      }
      perImage.add(sum / 4);
      if (defects) {
        withDefects.add(sum / 4);
      }
    }
    java.util.Collections.sort(perImage);
    java.util.Collections.sort(withDefects);
    String gallery = html.substring(html.indexOf("<section id=\"gallery\">"));
    assertEquals(6, gallery.split("data:image/png;base64,", -1).length - 1, "3 worst + 3 best");
    assertTrue(gallery.contains(String.format(Locale.ROOT, ": Dice %.3f (400×64)",
        perImage.get(0))), "the worst image first: " + perImage);
    assertTrue(gallery.contains(String.format(Locale.ROOT, ": Dice %.3f (400×64)",
        withDefects.get(withDefects.size() - 1))), "the best image with a defect: " + withDefects);
    assertTrue(gallery.indexOf("Worst test images") < gallery.indexOf("Best test images"));
    browse(report);
  }

  /** Renders the page headless: it loads, shows its sections, and the screenshot is not blank. */
  private static void browse(Path page) throws Exception {
    String browser = null;
    for (String b : new String[] {"chromium-headless-shell", "chromium", "chromium-browser"}) {
      for (String dir : System.getenv("PATH").split(":")) {
        if (browser == null && Files.isExecutable(Path.of(dir, b))) {
          browser = Path.of(dir, b).toString();
        }
      }
    }
    if (browser == null) {
      System.out.println("SKIPPED: no chromium on PATH (apt-get install chromium-headless-shell): "
          + "the report was not rendered in a browser");
      return;
    }
    Path shot = page.resolveSibling("report.png");
    Process p = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu",
        "--hide-scrollbars", "--screenshot=" + shot, "--window-size=1280,2400",
        page.toUri().toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, log);
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(shot.toFile());
    assertEquals(1280, img.getWidth(), log);
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 50, "a rendered page, not a blank one: " + colours.size()
        + " colours");
    Process dom = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu",
        "--dump-dom", page.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String rendered = new String(dom.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(dom.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && dom.exitValue() == 0);
    for (String h2 : new String[] {">Data</h2>", ">Training</h2>", ">Post-processing</h2>",
        ">Test score</h2>", ">Predict</h2>", ">Images</h2>"}) {
      assertTrue(rendered.contains(h2), h2 + " not in the browser's DOM");
    }
    System.out.println("report rendered by " + browser + ": " + shot);
  }
}
