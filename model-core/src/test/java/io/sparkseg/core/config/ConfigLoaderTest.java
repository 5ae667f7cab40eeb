package io.sparkseg.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static SparksegConfig load(Map<String, String> overrides, Map<String, String> env) {
    return ConfigLoader.load(null, overrides, env);
  }

  private static ConfigValidationException fails(Map<String, String> overrides) {
    return assertThrows(ConfigValidationException.class, () -> load(overrides, Map.of()));
  }

  @Test
  void defaults() {
    SparksegConfig c = load(Map.of(), Map.of());
    String work = Path.of("work").toAbsolutePath().toString();
    assertEquals(work, c.workDir());
    assertEquals(work + "/demo-data/train_images", c.data().trainImages());
    assertEquals(work + "/tables", c.tables().dir());
    assertEquals(TableFormat.DELTA, c.tables().format());
    assertEquals(5, c.folds().k());
    assertEquals(6, c.tileGeometry().tileCount());
    assertEquals("local[*]", c.spark().master());
    assertEquals("8", c.spark().conf().get("spark.sql.shuffle.partitions"));
    assertEquals("1", c.spark().conf().get("spark.databricks.delta.snapshotPartitions"));
    assertEquals("none", c.train().sampling());
    assertEquals(0.3, c.train().samplingThreshold());
    assertEquals(512L << 20, c.predict().archiveSliceBytes());
    assertEquals(work + "/tables/images", c.tables().path("images"));
  }

  @Test
  void environmentOverridesDefaultsAndDerivedPathsFollow() {
    SparksegConfig c = load(Map.of(), Map.of("WORK_DIR", "/tmp/w", "RAW_CSV_PATH", "s3a://b/t.csv",
        "TABLE_FORMAT", "parquet", "NUM_FOLDS", "3"));
    assertEquals("/tmp/w", c.workDir());
    assertEquals("/tmp/w/tables", c.tables().dir());
    assertEquals("/tmp/w/demo-data/train_images", c.data().trainImages());
    assertEquals("s3a://b/t.csv", c.data().trainCsv(), "URIs are kept as they are");
    assertEquals(TableFormat.PARQUET, c.tables().format());
    assertEquals(3, c.folds().k());
  }

  @Test
  void commandLineBeatsEnvironmentAndFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("my.conf");
    Files.writeString(file, "sparkseg { folds.k = 4, data.dir = \"/data/kaggle\" }");
    Map<String, String> cli = new LinkedHashMap<>();
    cli.put("folds.k", "7");
    cli.put("spark.executor.memory", "6g");
    cli.put("sparkseg.tiles.stride", "128");
    SparksegConfig c = ConfigLoader.load(file, cli, Map.of("NUM_FOLDS", "3"));
    assertEquals(7, c.folds().k());
    assertEquals("/data/kaggle/train.csv", c.data().trainCsv(), "file's data.dir flows into paths");
    assertEquals("6g", c.spark().conf().get("spark.executor.memory"));
    assertEquals(128, c.tiles().stride());
  }

  @Test
  void wrongTypeNamesKeyExpectationAndValue() {
    ConfigValidationException e = fails(Map.of("folds.k", "five"));
    assertEquals(1, e.problems().size(), e.getMessage());
    String p = e.problems().get(0);
    assertTrue(p.startsWith("sparkseg.folds.k: expected an integer >= 2 but got 'five'"), p);
    assertTrue(p.contains("--conf"), "says where the value came from: " + p);
  }

  @Test
  void unknownEnumValueListsChoices() {
    String p = fails(Map.of("tables.format", "orc")).problems().get(0);
    assertTrue(p.startsWith("sparkseg.tables.format: expected one of delta, parquet but got 'orc'"), p);
  }

  @Test
  void outOfRangeAndGeometryProblemsAreAllReported() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("folds.k", "1");
    bad.put("demo.clean-fraction", "1.5");
    ConfigValidationException e = fails(bad);
    assertEquals(2, e.problems().size(), e.getMessage());
    String g = fails(Map.of("tiles.width", "2000")).problems().get(0);
    assertTrue(g.startsWith("sparkseg.tiles: tile 256x2000 is larger than the image 256x1600"), g);
  }

  @Test
  void unknownKeyIsAnErrorWithHint() {
    String p = fails(Map.of("tiles.widht", "512")).problems().get(0);
    assertEquals("--conf: unknown key 'sparkseg.tiles.widht'; known keys under sparkseg.tiles: "
        + "height, stride, width", p);
  }

  @Test
  void unknownKeyInFileAndMissingFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, "sparkseg.foldz.k = 3\nother = 1\n");
    ConfigValidationException e = assertThrows(ConfigValidationException.class,
        () -> ConfigLoader.load(file, Map.of(), Map.of()));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key 'sparkseg.foldz.k'"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key 'other'"), e.getMessage());
    ConfigValidationException missing = assertThrows(ConfigValidationException.class,
        () -> ConfigLoader.load(dir.resolve("nope.conf"), Map.of(), Map.of()));
    assertTrue(missing.getMessage().contains("file not found"), missing.getMessage());
  }

  @Test
  void emptyPathIsRejected() {
    String p = fails(Map.of("data.train-csv", "")).problems().get(0);
    assertEquals("sparkseg.data.train-csv: must not be empty", p);
  }

  @Test
  void modelAndTrainingSettings() {
    SparksegConfig c = load(Map.of(), Map.of("BATCH_SIZE", "16", "ENCODER", "resnet18"));
    assertEquals(io.sparkseg.core.nn.ModelSpec.Architecture.UNET, c.train().model().architecture());
    assertEquals("resnet18", c.train().model().encoder());
    assertEquals(4, c.train().model().classes());
    assertEquals(16, c.train().options().batchSize());
    assertEquals(20, c.train().options().cosineT0(), "cosine period 0 means all epochs");
    assertEquals("combo-pw", c.train().options().loss());
    assertEquals("", c.train().encoderWeights());
    SparksegConfig fpn = load(Map.of("model.architecture", "FPN", "train.epochs", "3",
        "train.optimizer", "sgd"), Map.of());
    assertEquals(io.sparkseg.core.nn.ModelSpec.Architecture.FPN, fpn.train().model().architecture());
    assertEquals(io.sparkseg.core.train.Optimizer.Kind.SGD, fpn.train().options().optimizer());
    assertEquals(3, fpn.train().options().cosineT0());
    SparksegConfig lists = load(Map.of("train.pos-weight", "[1, 1, 3, 1]",
        "model.decoder-channels", "[64, 32, 16, 16, 8]"), Map.of());
    assertEquals(3f, lists.train().options().posWeight()[2]);
    assertEquals(8, lists.train().model().decoderChannels()[4]);
  }

  @Test
  void badModelAndTrainingSettingsNameTheirSection() {
    String arch = fails(Map.of("model.architecture", "Unett")).problems().get(0);
    assertTrue(arch.startsWith("sparkseg.model: unknown architecture 'Unett'; expected one of "
        + "[Unet, UnetPlusPlus, FPN, Linknet, DeepLabV3Plus, PSPNet]"), arch);
    String pw = fails(Map.of("train.pos-weight", "[1, 2]")).problems().get(0);
    assertTrue(pw.startsWith("sparkseg.train: needs one value per class (4), got 2"), pw);
    String loss = fails(Map.of("train.loss", "focal")).problems().get(0);
    assertTrue(loss.startsWith("sparkseg.train: unknown loss 'focal'"), loss);
    String aug = fails(Map.of("train.augmentation", "heavy")).problems().get(0);
    assertTrue(aug.startsWith("sparkseg.train.augmentation: unknown augmentation 'heavy'"), aug);
    String batch = fails(Map.of("train.batch-size", "1")).problems().get(0);
    assertTrue(batch.startsWith("sparkseg.train.batch-size: expected an integer >= 2"), batch);
    String sampling = fails(Map.of("train.sampling", "oversample")).problems().get(0);
    assertTrue(sampling.startsWith("sparkseg.train.sampling: expected one of none, "
        + "repeat-factor"), sampling);
    String t = fails(Map.of("train.sampling-threshold", "1.5")).problems().get(0);
    assertTrue(t.contains("train.sampling-threshold"), t);
    String slice = fails(Map.of("predict.archive-slice-bytes", "0")).problems().get(0);
    assertTrue(slice.contains("predict.archive-slice-bytes"), slice);
  }

  @Test
  void wrongTypedStringSettingsAreProblemsNamingTheirKey() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("predict.run-id", "[1, 2]");
    bad.put("train.run-id", "{a = 1}");
    bad.put("model.encoder-weights", "[x]");
    bad.put("predict.images-table", "{t = 1}");
    ConfigValidationException e = fails(bad);
    for (String key : bad.keySet()) {
      assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("sparkseg." + key
          + ": expected a string")), key + ": " + e.getMessage());
    }
  }

  @Test
  void anUnknownKeyDoesNotHideTheOtherProblems() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("tiles.widht", "512");
    bad.put("folds.k", "five");
    ConfigValidationException e = fails(bad);
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.problems().stream().anyMatch(p -> p.contains("unknown key")), e.getMessage());
    assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("sparkseg.folds.k")),
        e.getMessage());
  }

  @Test
  void imagesAndAnImagesTableTogetherAreAnError() {
    Map<String, String> both = new LinkedHashMap<>();
    both.put("predict.images", "/data/more");
    both.put("predict.images-table", "images");
    String p = fails(both).problems().get(0);
    assertTrue(p.contains("predict.images (--images) and sparkseg.predict.images-table"), p);
    // either alone is fine
    assertEquals("images", load(Map.of("predict.images-table", "images"), Map.of()).predict()
        .imagesTable());
  }

  @Test
  void maximumAreasToTuneAndToApply() {
    SparksegConfig c = load(Map.of(), Map.of());
    assertArrayEquals(new int[] {0}, c.tune().maxAreas());
    assertEquals(List.of(), c.predict().maxAreas());
    SparksegConfig set = load(Map.of("tune.max-areas", "[0, 20, 40]",
        "predict.max-areas", "[40, 0, 0, 0]"), Map.of());
    assertArrayEquals(new int[] {0, 20, 40}, set.tune().maxAreas());
    assertEquals(List.of(40, 0, 0, 0), set.predict().maxAreas());
    assertEquals(List.of(40, 0, 0, 0), set.withPredictRunId("r").predict().maxAreas());
    String size = fails(Map.of("predict.max-areas", "[40]")).problems().get(0);
    assertTrue(size.contains("predict.max-areas") && size.contains("one value per class"), size);
    String empty = fails(Map.of("tune.max-areas", "[]")).problems().get(0);
    assertTrue(empty.contains("max-areas need at least one value"), empty);
    String negative = fails(Map.of("tune.max-areas", "[-5]")).problems().get(0);
    assertTrue(negative.contains("tune.max-areas"), negative);
  }

  @Test
  void foldMaximumClasses() {
    assertEquals(List.of(), load(Map.of(), Map.of()).predict().foldMaxClasses());
    SparksegConfig set = load(Map.of("predict.fold-max-classes", "[1, 2]"), Map.of());
    assertEquals(List.of(1, 2), set.predict().foldMaxClasses());
    assertEquals(List.of(1, 2), set.withPredictRunId("r").predict().foldMaxClasses());
    for (String bad : new String[] {"[0]", "[5]", "[1, 1]", "[1.5]"}) {
      String p = fails(Map.of("predict.fold-max-classes", bad)).problems().get(0);
      assertTrue(p.contains("predict.fold-max-classes"), bad + ": " + p);
    }
  }

  @Test
  void imagesFromAFileWithASubstitution(@TempDir Path dir) throws Exception {
    // a preset file sets predict.images through a substitution (conf/device-demo.conf does)
    Path file = dir.resolve("photos.conf");
    Files.writeString(file, "sparkseg.predict.images = ${sparkseg.data.dir}\"/test_photos\"\n");
    SparksegConfig c = ConfigLoader.load(file, Map.of("data.dir", "/d"), Map.of());
    assertEquals("/d/test_photos", c.predict().images());
    ConfigValidationException e = assertThrows(ConfigValidationException.class,
        () -> ConfigLoader.load(file, Map.of("predict.images-table", "images"), Map.of()));
    assertTrue(e.getMessage().contains("both name the images to score"), e.getMessage());
  }

  @Test
  void secretValuesAreNeverEchoed() {
    // Spark settings are strings, as Spark reads them: a secret starting with '{' is kept whole
    SparksegConfig c = load(Map.of("spark.hadoop.fs.s3a.secret.key", "{hunter2[x"), Map.of());
    assertEquals("{hunter2[x", c.spark().conf().get("spark.hadoop.fs.s3a.secret.key"));
    // a bad key whose name looks secret: the message shows the key, never the value
    ConfigValidationException e = fails(Map.of("bad..token", "{hunter2"));
    assertTrue(e.getMessage().contains("bad..token"), e.getMessage());
    assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(ConfigLoader.looksSecret("spark.hadoop.fs.s3a.access.key"));
    assertTrue(ConfigLoader.looksSecret("spark.hadoop.fs.s3a.session.token"));
    assertTrue(!ConfigLoader.looksSecret("sparkseg.predict.images"));
  }

  @Test
  void multiClassFamiliesAreCheckedAgainstClassesAndActivation() {
    Map<String, String> scene = new LinkedHashMap<>();
    scene.put("dataset.kind", "scene");
    scene.put("data.classes", "12");
    scene.put("model.activation", "softmax");
    scene.put("train.loss", "ce-dice");
    scene.put("data.resize", "letterbox");
    scene.put("dataset.sequences", "[seq01, seq02]");
    scene.put("train.class-weights", "median-frequency");
    SparksegConfig c = load(scene, Map.of());
    assertTrue(c.dataset().multiClass());
    assertEquals(12, c.multiClass().decoder().classes());
    assertEquals("traffic_sign", c.classNames().get(0));
    assertEquals(io.sparkseg.core.geometry.Fit.Mode.LETTERBOX, c.data().resize());
    assertEquals(java.util.Set.of("seq01", "seq02"), c.multiClass().include());
    assertEquals("median-frequency", c.train().classWeights());
    assertTrue(c.train().softmax());
    assertEquals(12, c.train().options().posWeight().length, "pos-weight unused: ones");

    Map<String, String> four = new LinkedHashMap<>(scene);
    four.put("data.classes", "4");
    assertTrue(fails(four).getMessage().contains("dataset.kind scene has 12 palette classes"));
    Map<String, String> sigmoid = new LinkedHashMap<>(scene);
    sigmoid.remove("model.activation");
    sigmoid.remove("train.loss");
    assertTrue(fails(sigmoid).getMessage().contains("set model.activation = softmax"));
    Map<String, String> resize = new LinkedHashMap<>(scene);
    resize.put("data.resize", "squash");
    assertTrue(fails(resize).getMessage().contains("sparkseg.data.resize"));
    Map<String, String> weights = new LinkedHashMap<>(scene);
    weights.put("train.class-weights", "balanced");
    assertTrue(fails(weights).getMessage().contains("sparkseg.train.class-weights"));
    assertEquals(null, load(Map.of(), Map.of()).data().resize(), "none by default");
    assertTrue(fails(Map.of("train.class-weights", "inverse")).getMessage()
        .contains("combo-pw is not a softmax loss"), "Severstal's sigmoid loss takes none");
  }

  @Test
  void aPaletteFromTheConfigurationAndIndexMasks(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("p.conf");
    Files.writeString(file, """
        sparkseg {
          dataset {
            kind = scene
            palette = [
              { name = road, colour = "#804080" }
              { name = car, colour = "#00008E" }
              { name = void, colour = "#000000", ignore = true }
            ]
          }
          data.classes = 2
          model.activation = softmax
          train.loss = ce
        }
        """);
    SparksegConfig c = ConfigLoader.load(file, Map.of(), Map.of());
    assertEquals(java.util.List.of("road", "car"), c.classNames());
    assertEquals(0x00008E, c.multiClass().decoder().colours()[1]);
    Files.writeString(file, """
        sparkseg.dataset.kind = scene
        sparkseg.dataset.palette = [{ name = road, colour = "purple" }]
        sparkseg.data.classes = 1
        """);
    ConfigValidationException bad = assertThrows(ConfigValidationException.class,
        () -> ConfigLoader.load(file, Map.of(), Map.of()));
    assertTrue(bad.getMessage().contains("colour 'purple' is not #RRGGBB"), bad.getMessage());

    Map<String, String> masks = new LinkedHashMap<>();
    masks.put("dataset.kind", "png-masks");
    masks.put("data.classes", "21");
    masks.put("model.activation", "softmax");
    masks.put("train.loss", "ce");
    SparksegConfig voc = load(masks, Map.of());
    assertEquals(255, voc.multiClass().decoder().ignoreValue());
    assertEquals("class 20", voc.classNames().get(20));
    masks.put("dataset.ignore-value", "3");
    assertTrue(fails(masks).getMessage().contains("the ignore value must be a value no class "
        + "has"));
  }
}
