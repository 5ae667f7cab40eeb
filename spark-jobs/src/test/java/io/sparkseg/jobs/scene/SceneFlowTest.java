package io.sparkseg.jobs.scene;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.demo.SceneDemoGenerator;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.metrics.ConfusionMatrix;
import io.sparkseg.core.scene.ClassMap;
import io.sparkseg.core.scene.Palette;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.evaluate.ClassMapEvaluation;
import io.sparkseg.jobs.io.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-class scene flow end to end, as `run --config conf/scene-demo.conf` does it (the
 * preset itself, shrunk): generated driving sequences with bad files planted → ingest (pairs,
 * palette decoding, quarantine, class statistics) → group folds → tile → softmax training →
 * predict (class maps at each image's size in the palette's colours, per-class rows, overlays)
 * → mIoU against the test labels, recomputed here from the PNGs, well above the majority class.
 */
class SceneFlowTest {
  private static final Palette CARLA = Palette.carla();

  @Test
  void sceneFlowFromSequencesToScoredClassMaps(@TempDir Path work) throws Exception {
    Path root = Path.of(System.getProperty("sparkseg.repo.root", ".."));
    Map<String, String> o = new LinkedHashMap<>();
    SparksegConfig base = SparkTestSupport.config(work);
    base.spark().conf().forEach(o::put);
    o.put("sparkseg.spark.master", base.spark().master());
    o.put("work-dir", work.toString());
    o.put("data.image-height", "64");
    o.put("data.image-width", "96");
    o.put("tiles.height", "64");
    o.put("tiles.width", "96");
    o.put("tiles.stride", "96");
    o.put("demo.scene.train-sequences", "10");
    o.put("demo.scene.test-sequences", "3");
    o.put("demo.scene.frames", "4");
    o.put("train.epochs", "6");
    o.put("train.class-weights", "median-frequency");
    o.put("train.run-id", "scene");
    o.put("predict.overlays", "2");
    SparksegConfig cfg = ConfigLoader.load(root.resolve("conf/scene-demo.conf"), o);
    assertEquals(SparksegConfig.DatasetKind.SCENE, cfg.dataset());
    assertEquals(12, cfg.classNames().size());
    assertEquals("traffic_sign", cfg.classNames().get(0));

    Pipeline.generateDemo(cfg, System.out);
    Path data = work.resolve("demo-data");
    // bad inputs, one per reason
    Path lab = data.resolve("Labels");
    Path img = data.resolve("Images");
    Image8 label = ImageCodec.decode(Files.readAllBytes(lab.resolve("seq00/000.png")));
    Files.write(lab.resolve("seq01/001.png"), ImageCodec.encodePng(
        label.crop(0, 0, 32, 48))); // label of another size than its image
    label.data()[0] = 1; // (1, g, b): a colour of no palette entry
    Files.write(lab.resolve("seq00/000.png"), ImageCodec.encodePng(label));
    Files.copy(lab.resolve("seq02/000.png"), lab.resolve("seq02/099.png")); // no image
    Files.delete(lab.resolve("seq03/003.png")); // image without label
    Files.write(img.resolve("seq04/000.png"), new byte[] {1, 2, 3, 4}); // not an image
    // a frame of another size, fitted by letterbox
    SceneDemoGenerator other = new SceneDemoGenerator(1, 1, 1, 80, 100, 9);
    SceneDemoGenerator.Frame big = other.frame(false, 0, 0);
    Files.write(img.resolve("seq05/050.png"), ImageCodec.encodePng(big.image()));
    Files.write(lab.resolve("seq05/050.png"), ImageCodec.encodePng(CARLA.encode(big.label())));
    // and a test frame of another size: its class map comes back at its own size
    SceneDemoGenerator.Frame bigTest = other.frame(true, 0, 0);
    Path testImages = data.resolve("test/Images");
    Path testLabels = data.resolve("test/Labels");
    Files.write(testImages.resolve("seq00/050.png"), ImageCodec.encodePng(bigTest.image()));
    Files.write(testLabels.resolve("seq00/050.png"),
        ImageCodec.encodePng(CARLA.encode(bigTest.label())));

    SparkSession spark = SparkTestSupport.spark(cfg);
    Pipeline.RunResult r = Pipeline.run(spark, cfg, System.out);

    // ingest: every file accounted for, each bad one quarantined with its reason
    JobReport ingest = r.etl().get(0);
    assertTrue(ingest.reconciled(), "ingest reconciles: " + ingest.reconciliations());
    Map<String, Long> reasons = ingest.quarantinedByReason();
    for (String reason : List.of("unknown-colour", "label-size-mismatch", "orphan-label",
        "missing-label", "not-an-image")) {
      assertEquals(1L, reasons.getOrDefault(reason, 0L), reason + " in " + reasons);
    }
    TableStore store = new TableStore(spark, cfg.tables());
    long samples = store.read(TableStore.SAMPLES).count();
    assertEquals(10 * 4 + 1 - 4, samples, "40 frames + the big one - 4 bad pairs");
    assertEquals(1, store.read(TableStore.SAMPLES).filter(col("resize").equalTo("letterbox"))
        .count());
    Set<String> quarantinedFiles = new HashSet<>();
    for (Row q : store.read(TableStore.QUARANTINE).filter(col("job").equalTo("ingest"))
        .collectAsList()) {
      quarantinedFiles.add(q.getString(q.fieldIndex("source_path")));
    }
    assertTrue(quarantinedFiles.stream().anyMatch(p -> p.endsWith("seq02/099.png")),
        "the orphan label is named: " + quarantinedFiles);
    assertTrue(Files.isRegularFile(work.resolve("class_stats.json")));

    // folds: a sequence's frames never fall in two folds
    Map<String, Set<Integer>> foldsOfSequence = new HashMap<>();
    for (Row f : store.read(TableStore.FOLDS).collectAsList()) {
      String id = f.getString(f.fieldIndex("image_id"));
      foldsOfSequence.computeIfAbsent(id.substring(0, id.indexOf('/')), k -> new HashSet<>())
          .add(f.getInt(f.fieldIndex("fold")));
    }
    assertEquals(10, foldsOfSequence.size());
    foldsOfSequence.forEach((seq, folds) -> assertEquals(1, folds.size(), seq + " " + folds));

    // training: softmax, scored by mIoU, no tuning
    assertNull(r.tuning(), "nothing to tune for argmax class maps");
    assertTrue(r.training().diceMeanSd().containsKey("miou"));

    // predict: one class map per test frame at its own size, palette colours only
    Path maps = work.resolve("predictions/scene");
    ConfusionMatrix confusion = new ConfusionMatrix(12);
    int n = 0;
    try (Stream<Path> files = Files.walk(testImages)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String rel = testImages.relativize(f).toString();
        Image8 image = ImageCodec.decode(Files.readAllBytes(f));
        Path mapFile = maps.resolve(rel);
        Image8 map = ImageCodec.decode(Files.readAllBytes(mapFile));
        assertEquals(image.height(), map.height(), rel);
        assertEquals(image.width(), map.width(), rel);
        ClassMap predicted = CARLA.decode(map, mapFile.toString()); // fails on foreign colours
        ClassMap truth = CARLA.decode(ImageCodec.decode(Files.readAllBytes(
            testLabels.resolve(rel))), rel);
        confusion.add(predicted, truth);
        n++;
      }
    }
    assertEquals(3 * 4 + 1, n);
    assertEquals(n, r.prediction().scored());
    assertEquals(n * 12L, store.read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo("scene")).count(), "a row per image and class");
    Row bigRow = store.read(TableStore.PREDICTIONS).filter(col("image_id")
        .equalTo("seq00/050")).first();
    assertEquals(80, bigRow.getInt(bigRow.fieldIndex("height")));
    double miou = confusion.meanIou();
    double majority = confusion.majorityBaseline().meanIou();
    System.out.printf("scene test frames: mIoU %.4f, majority class %.4f%n", miou, majority);
    assertEquals(miou, r.prediction().diceAndBaseline()[0], 1e-9, "predict's mIoU");
    assertEquals(majority, r.prediction().diceAndBaseline()[1], 1e-9);
    assertTrue(miou > majority + 0.1, "mIoU " + miou + " vs majority " + majority);
    assertTrue(Files.isRegularFile(maps.resolve("confusion.csv")));
    String card = Files.readString(work.resolve("runs/scene/MODEL_CARD.md"));
    assertTrue(card.contains(String.format(java.util.Locale.ROOT, "mIoU %.4f on 13 held-out",
        miou)) && card.contains("argmax"), card);
    try (Stream<Path> overlays = Files.walk(work.resolve("overlays/scene"))) {
      assertEquals(2, overlays.filter(Files::isRegularFile).count());
    }

    // the run exported to ONNX writes the same class maps with ONNX Runtime
    Path onnx = work.resolve("export/scene.onnx");
    io.sparkseg.jobs.export.ExportJob.Result exported = io.sparkseg.jobs.export.ExportJob.run(cfg,
        spark.sparkContext().hadoopConfiguration(), "scene", null, true, onnx.toString(),
        System.out);
    assertEquals(cfg.classNames(), exported.description().classNames());
    Map<String, String> withOnnx = new LinkedHashMap<>(o);
    withOnnx.put("predict.model", onnx.toString());
    io.sparkseg.jobs.predict.PredictJob.Result ort = io.sparkseg.jobs.predict.PredictJob.run(
        spark, ConfigLoader.load(root.resolve("conf/scene-demo.conf"), withOnnx), System.out);
    assertEquals(n, ort.scored());
    assertEquals(miou, ort.diceAndBaseline()[0], 0.01, "ONNX Runtime class maps");

    // evaluate gives the same figures from the folders
    ClassMapEvaluation.Result e = ClassMapEvaluation.run(spark, cfg.multiClass().decoder(),
        maps.toString(), testLabels.toString());
    assertEquals(n, e.scored());
    assertEquals(miou, e.confusion().meanIou(), 1e-12);
  }
}
