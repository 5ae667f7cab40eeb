package io.sparkseg.jobs.crop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.labelstudio.LabelStudioExport;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The person-photo flow end to end, as `run --config conf/device-demo.conf` does it (the preset
 * itself, shrunk): demo photos → smart-crop → folds → tile → train → tune → predict with
 * detection, adaptive threshold and masks back on the photos. The mask PNGs predict writes are
 * scored here, independently, against the held-out photos' Label Studio truth, and must clearly
 * beat the empty prediction.
 */
class DeviceFlowTest {

  @Test
  void photoMasksClearlyBeatTheEmptyPrediction(@TempDir Path work) throws Exception {
    Path root = Path.of(System.getProperty("sparkseg.repo.root", ".."));
    Path people = root.toAbsolutePath().normalize().resolveSibling("shared/fixtures/people");
    Map<String, String> o = new LinkedHashMap<>();
    SparksegConfig base = SparkTestSupport.config(work);
    base.spark().conf().forEach((k, v) -> o.put(k, v));
    o.put("sparkseg.spark.master", base.spark().master());
    o.put("work-dir", work.toString());
    o.put("photos.demo-base", Files.isDirectory(people) ? people.toString() : "");
    o.put("photos.demo-train-photos", "56");
    o.put("photos.demo-test-photos", "12");
    o.put("model.architecture", "Unet");
    o.put("model.encoder", "resnet18");
    o.put("train.epochs", "16"); // two cosine periods (8 epochs on 40 photos gave 0.20-0.32)
    o.put("train.cosine-period", "8");
    o.put("train.folds", "[0]"); // one fold model scores the test photos (0.51 in notebook 04)
    o.put("train.run-id", "device");
    o.put("predict.overlays", "2");
    SparksegConfig cfg = ConfigLoader.load(root.resolve("conf/device-demo.conf"), o);
    assertEquals(SparksegConfig.DatasetKind.PERSON_PHOTOS, cfg.dataset());

    Pipeline.generateDemo(cfg, System.out);
    SparkSession spark = SparkTestSupport.spark(cfg);
    Pipeline.RunResult r = Pipeline.run(spark, cfg, System.out);
    assertEquals(12, r.prediction().scored());
    assertNull(r.prediction().submission(), "no Kaggle submission for photos");

    // independent scoring of the mask PNGs against the test export
    List<LabelStudioExport.RawTask> tasks = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(work.resolve("demo-data/test_annotations.json"))) {
      LabelStudioExport.split(in, tasks::add);
    }
    SegmentationMetrics model = new SegmentationMetrics(1);
    SegmentationMetrics empty = new SegmentationMetrics(1);
    Path masks = work.resolve("masks/device");
    for (LabelStudioExport.RawTask raw : tasks) {
      LabelStudioExport.Task t = LabelStudioExport.parseTask(raw, Map.of("patch", 1));
      String name = t.imageCandidates().get(t.imageCandidates().size() - 1);
      Image8 photo = ImageCodec.decode(Files.readAllBytes(
          work.resolve("demo-data/test_photos").resolve(name)));
      Image8 png = ImageCodec.decode(Files.readAllBytes(
          masks.resolve(name.replace(".jpg", "_patch.png"))));
      assertEquals(photo.height(), png.height(), "mask at the photo's size");
      assertEquals(photo.width(), png.width());
      BinaryMask predicted = new BinaryMask(png.height(), png.width());
      for (int y = 0; y < png.height(); y++) {
        for (int x = 0; x < png.width(); x++) {
          predicted.set(y, x, png.get(y, x, 0) == 255);
        }
      }
      BinaryMask none = new BinaryMask(png.height(), png.width());
      BinaryMask truth = t.masks().getOrDefault(1, none);
      model.add(0, predicted, truth);
      empty.add(0, none, truth);
    }
    double dice = model.asMap().get("dice.mean");
    double baseline = empty.asMap().get("dice.mean");
    System.out.printf("test photos: mean Dice %.4f, empty prediction %.4f%n", dice, baseline);
    assertEquals(dice, r.prediction().diceAndBaseline()[0], 1e-9);
    assertTrue(dice > baseline + 0.15, "mean Dice " + dice + " does not clearly beat the empty "
        + "prediction's " + baseline);
    // the run report shows the worst and best test photos by Dice, drawn on the photos
    String report = Files.readString(work.resolve("runs/device/report.html"));
    assertTrue(report.contains("Worst test images") && report.contains("Best test images"),
        "the report's gallery");

    // the photo model exported to ONNX scores the photos the same way (detection, crop,
    // adaptive threshold, masks back on the photo) with ONNX Runtime
    Path onnx = work.resolve("export/device.onnx");
    io.sparkseg.jobs.export.ExportJob.Result exported = io.sparkseg.jobs.export.ExportJob.run(cfg,
        spark.sparkContext().hadoopConfiguration(), "device", null, true, onnx.toString(),
        System.out);
    assertEquals(List.of("patch"), exported.description().classNames());
    Map<String, String> withOnnx = new LinkedHashMap<>(o);
    withOnnx.put("predict.model", onnx.toString());
    SparksegConfig onnxCfg = ConfigLoader.load(root.resolve("conf/device-demo.conf"), withOnnx);
    io.sparkseg.jobs.predict.PredictJob.Result ort = io.sparkseg.jobs.predict.PredictJob.run(
        spark, onnxCfg, System.out);
    assertEquals(12, ort.scored());
    assertEquals(dice, ort.diceAndBaseline()[0], 0.01, "ONNX Runtime on the photos");
    try (var s = Files.list(work.resolve("masks").resolve(ort.modelRunId()))) {
      assertEquals(12, s.count(), "a mask per photo");
    }
  }
}
