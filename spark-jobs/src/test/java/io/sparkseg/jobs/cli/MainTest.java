package io.sparkseg.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
  private record Result(int code, String out, String err) {}

  /** {@link #run} with System.out captured too (commands that print results there). */
  private static Result runPrinting(String... args) {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.out;
    System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    Result r;
    try {
      r = run(args);
    } finally {
      System.setOut(old);
    }
    return new Result(r.code(), printed.toString(java.nio.charset.StandardCharsets.UTF_8),
        r.err());
  }

  private static Result run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsEveryCommand() {
    Result r = run("--help");
    assertEquals(0, r.code());
    for (String c : new String[] {"generate-demo", "ingest", "folds", "tile", "etl", "train", "tune",
        "predict", "evaluate", "run", "doctor", "labelstudio-masks", "export"}) {
      assertTrue(r.out().contains(c), r.out());
    }
    Result sub = run("ingest", "--help");
    assertEquals(0, sub.code());
    assertTrue(sub.out().contains("--conf=KEY=VALUE"), sub.out());
  }

  @Test
  void versionIsTheOneVersion() {
    Result r = run("--version");
    assertEquals(0, r.code());
    assertEquals("sparkseg " + io.sparkseg.core.Version.SPARKSEG, r.out().trim());
  }

  @Test
  void unknownCommandAndNoCommandAreUsageErrors() {
    assertEquals(2, run("train-everything").code());
    Result none = run();
    assertEquals(2, none.code());
    assertTrue(none.err().contains("name a command"), none.err());
  }

  @Test
  void badConfigurationExitsWithTwoAndNamesTheKey() {
    Result r = run("ingest", "--conf", "folds.k=five", "--conf", "tables.format=orc");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("sparkseg.folds.k: expected an integer >= 2 but got 'five'"),
        r.err());
    assertTrue(r.err().contains("sparkseg.tables.format: expected one of delta, parquet"), r.err());
  }

  @Test
  void onDatabricksAFailureIsThrownWithItsCauseNotExited(@TempDir Path work) {
    Main.CommandFailedException e = org.junit.jupiter.api.Assertions.assertThrows(
        Main.CommandFailedException.class, () -> Main.execute(new String[] {"predict", "--work",
            work.toString(), "--data", work.toString()}, true));
    assertEquals(1, e.exitCode());
    assertTrue(e.getMessage().startsWith("sparkseg predict failed (exit code 1): ")
        && e.getMessage().contains("no finished training run"), e.getMessage());
    assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
    Main.CommandFailedException bad = org.junit.jupiter.api.Assertions.assertThrows(
        Main.CommandFailedException.class, () -> Main.execute(new String[] {"ingest", "--conf",
            "folds.k=five"}, true));
    assertEquals(2, bad.exitCode());
    // elsewhere the exit code comes back for System.exit
    assertEquals(2, Main.execute(new String[] {"ingest", "--conf", "folds.k=five"}, false));
    assertEquals(0, Main.execute(new String[] {"--version"}, true));
  }

  @Test
  void exportSaysWhatIsWrongWithItsArguments(@TempDir Path work) {
    Result both = run("export", "--work", work.toString(), "--fold", "0", "--ensemble", "--out",
        work.resolve("m.onnx").toString());
    assertEquals(2, both.code());
    assertTrue(both.err().contains("--fold and --ensemble exclude each other"), both.err());
    Result noRun = run("export", "--work", work.toString(), "--data", work.toString(), "--out",
        work.resolve("m.onnx").toString());
    assertEquals(1, noRun.code());
    assertTrue(noRun.err().contains("no finished training run"), noRun.err());
  }

  @Test
  void predictWithoutATrainedRunSaysWhatToDo(@TempDir Path work) {
    Result r = run("predict", "--work", work.toString(), "--data", work.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no finished training run under " + work.toAbsolutePath()
        + "/runs; run train first"), r.err());
  }

  @Test
  void badPredictSettingsAreConfigErrors() {
    Result r = run("predict", "--conf", "predict.thresholds=[0.5, 0.5]", "--conf",
        "predict.submission-layout=tsv", "--conf", "predict.gate=[0, 0, 0, 2]");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("sparkseg.predict.thresholds: expected one value per class (4) "
        + "or [] but got 2"), r.err());
    assertTrue(r.err().contains("unknown submission layout 'tsv'"), r.err());
    assertTrue(r.err().contains("sparkseg.predict.gate: 2.0 is outside [0.0, 1.0]"), r.err());
  }

  @Test
  void theDemoPresetAppliesOnTheDemoDataOnly(@TempDir Path work) throws Exception {
    Result r = run("generate-demo", "--work", work.toString(), "--conf", "demo.train-images=1",
        "--conf", "demo.test-images=1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("demo preset conf/demo.conf"), r.err());
    Path image;
    try (var s = Files.list(work.resolve("demo-data/train_images"))) {
      image = s.findFirst().orElseThrow();
    }
    io.sparkseg.core.image.ImageInfo info = io.sparkseg.core.image.ImageCodec.inspect(
        Files.readAllBytes(image));
    assertEquals(64, info.height(), "conf/demo.conf's size");
    assertEquals(400, info.width());
    // with --data elsewhere the preset stays out of the way
    Result other = run("generate-demo", "--work", work.toString(), "--data",
        work.resolve("elsewhere").toString(), "--conf", "demo.train-images=1",
        "--conf", "demo.test-images=1");
    assertEquals(0, other.code(), other.err());
    assertTrue(!other.err().contains("demo preset"), other.err());
    try (var s = Files.list(work.resolve("elsewhere/train_images"))) {
      image = s.findFirst().orElseThrow();
    }
    assertEquals(256, io.sparkseg.core.image.ImageCodec.inspect(Files.readAllBytes(image))
        .height());
  }

  @Test
  void generateDemoWritesTheKaggleLayout(@TempDir Path work) throws Exception {
    Result r = run("generate-demo", "--work", work.toString(), "--conf", "demo.train-images=3",
        "--conf", "demo.test-images=1", "--conf", "data.image-height=64",
        "--conf", "data.image-width=400", "--conf", "tiles.width=128", "--conf", "tiles.stride=64");
    assertEquals(0, r.code(), r.err());
    Path data = work.resolve("demo-data");
    assertTrue(Files.isRegularFile(data.resolve("train.csv")));
    assertTrue(Files.isRegularFile(data.resolve("sample_submission.csv")));
    try (var s = Files.list(data.resolve("train_images"))) {
      assertEquals(3, s.count());
    }
  }

  @Test
  void evaluateScoresASubmission(@TempDir Path work) throws Exception {
    assertEquals(0, run("generate-demo", "--work", work.toString(), "--conf",
        "demo.train-images=1", "--conf", "demo.test-images=6", "--conf", "data.image-height=64",
        "--conf", "data.image-width=400", "--conf", "tiles.width=128",
        "--conf", "tiles.stride=64").code());
    Path truth = work.resolve("demo-data/test_truth.csv");
    Result r = runPrinting("evaluate", "--submission", truth.toString(), "--truth",
        truth.toString(), "--conf", "data.image-height=64", "--conf", "data.image-width=400",
        "--conf", "tiles.width=128", "--conf", "tiles.stride=64");
    String out = r.out();
    assertEquals(0, r.code(), r.err());
    assertTrue(out.contains("mean    1.000"), "the truth scores 1: " + out);
    Result bad = run("evaluate", "--submission", work.resolve("nope.csv").toString(),
        "--truth", truth.toString());
    assertEquals(1, bad.code());
  }

  @Test
  void evaluateScoresClassMapFolders(@TempDir Path work) throws Exception {
    io.sparkseg.core.scene.Palette carla = io.sparkseg.core.scene.Palette.carla();
    Path pred = java.nio.file.Files.createDirectories(work.resolve("pred/seq1"));
    Path truth = java.nio.file.Files.createDirectories(work.resolve("truth/seq1"));
    // road everywhere predicted; the truth has road left, car right
    byte[] road = new byte[16];
    byte[] half = new byte[16];
    for (int i = 0; i < 16; i++) {
      road[i] = 7;
      half[i] = (byte) (i % 4 < 2 ? 7 : 10);
    }
    java.nio.file.Files.write(pred.resolve("000.png"), io.sparkseg.core.image.ImageCodec
        .encodePng(carla.encode(new io.sparkseg.core.scene.ClassMap(4, 4, road))));
    java.nio.file.Files.write(truth.resolve("000.png"), io.sparkseg.core.image.ImageCodec
        .encodePng(carla.encode(new io.sparkseg.core.scene.ClassMap(4, 4, half))));
    Path csv = work.resolve("confusion.csv");
    Result r = runPrinting("evaluate", "--dataset", "scene", "--predictions",
        work.resolve("pred").toString(), "--truth", work.resolve("truth").toString(),
        "--confusion", csv.toString(), "--conf", "data.classes=12",
        "--conf", "model.activation=softmax", "--conf", "train.loss=ce",
        "--conf", "sparkseg.spark.master=local[1]", "--conf", "spark.ui.enabled=false");
    String out = r.out();
    assertEquals(0, r.code(), r.err());
    // road IoU 8/16, car IoU 0: mIoU over the two classes present 0.25; pixel accuracy 0.5
    assertTrue(out.contains("mIoU 0.2500, pixel accuracy 0.5000"), out);
    assertTrue(java.nio.file.Files.readString(csv).contains("car,0,0,0,0,0,0,0,8,0,0,0,0"),
        java.nio.file.Files.readString(csv));
    Result missing = run("evaluate", "--dataset", "scene", "--truth", truth.toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("--predictions"), missing.err());
  }

  @Test
  void missingInputFailsWithTheSettingAndPath(@TempDir Path work) {
    Result r = run("ingest", "--work", work.toString(), "--data", work.resolve("nope").toString(),
        "--conf", "sparkseg.spark.master=local[1]", "--conf", "spark.ui.enabled=false");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("sparkseg.data.train-images: folder not found: "
        + work.resolve("nope").resolve("train_images")), r.err());
  }

  @Test
  void labelStudioMasksWritesPngsAndExitsZeroWhenReconciled(@TempDir Path tmp) throws Exception {
    Path images = Files.createDirectories(tmp.resolve("photos"));
    Files.write(images.resolve("p1.png"), io.sparkseg.core.image.ImageCodec.encodePng(
        new io.sparkseg.core.image.Image8(20, 40, 3, new byte[20 * 40 * 3])));
    String polygon = "{\"type\": \"polygonlabels\", \"original_width\": 40, "
        + "\"original_height\": 20, \"value\": {\"points\": [[0,0],[50,0],[50,50]], "
        + "\"polygonlabels\": [\"patch\"]}}";
    Path json = Files.writeString(tmp.resolve("export.json"), "[{\"id\": 7, \"data\": "
        + "{\"image\": \"/data/upload/1/deadbeef-p1.png\"}, \"annotations\": [{\"result\": ["
        + polygon + "]}]}, {\"id\": 8, \"data\": {\"image\": \"gone.png\"}}]");
    Path out = tmp.resolve("masks");
    Result r = run("labelstudio-masks", "--annotations", json.toString(), "--images",
        images.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(out.resolve("p1_patch.png")));
    assertTrue(Files.readString(out.resolve("quarantine.csv")).contains("missing-image"));

    Result bad = run("labelstudio-masks", "--annotations", json.toString(), "--images",
        images.toString(), "--out", out.toString(), "--conf", "photos.labels.patch=9");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("sparkseg.photos.labels.\"patch\": expected a class id in 1..4"),
        bad.err());
  }
}
