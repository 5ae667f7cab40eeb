package io.sparkseg.core.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.Normalization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading an exported file for scoring: its description, equality, and refusals. */
class OnnxSegmentationModelTest {
  private static final ModelSpec SPEC = new ModelSpec(ModelSpec.Architecture.FPN, "resnet18",
      new int[] {32, 32}, 2, ModelSpec.Activation.SIGMOID);

  @TempDir
  Path dir;

  private static ExportedModel description(boolean flip) {
    return description(flip, List.of());
  }

  private static ExportedModel description(boolean flip, List<Integer> foldMaxClasses) {
    return ExportedModel.of("run-x", List.of("fold-0"), SPEC, List.of("scratch", "dent"), flip,
        foldMaxClasses, Normalization.IMAGENET.mean(), Normalization.IMAGENET.std(),
        new TileGeometry(64, 128, 64, 64, 64),
        new PostProcessor(List.of(new ClassRule(0.4f, 12, 30, 0f), new ClassRule(0.6f, 0, 0.7f))),
        "runs/run-x/postprocessing.json", "test", "2026-11-23T00:00:00Z");
  }

  @Test
  void describesItselfFromItsMetadataAndScoresAsTheDjlModelWithFlipOutsideTheGraph()
      throws Exception {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel model = OnnxExportTest.randomModel(SPEC, m, 4);
      ExportedModel d = description(false);
      OnnxMl.ModelProto proto = OnnxExport.export(List.of(model), Normalization.IMAGENET, false,
          d.metadata());
      Path file = dir.resolve("m.onnx");
      Files.write(file, proto.toByteArray()); // no sidecar: the metadata describes it
      List<Image8> images = OnnxExportTest.images(new Random(3), 3, 64, 64);
      List<float[][]> djl = new SegmentationPredictor(model, m, Normalization.IMAGENET, 2, true)
          .predict(images);
      try (OnnxSegmentationModel onnx = OnnxSegmentationModel.load(file)) {
        assertEquals(d, onnx.description());
        assertArrayEquals(new float[] {0.4f, 0.6f}, new float[] {
            onnx.description().postProcessor().rules().get(0).threshold(),
            onnx.description().postProcessor().rules().get(1).threshold()});
        assertEquals(12, onnx.description().postProcessor().rules().get(0).minArea());
        assertEquals(30, onnx.description().postProcessor().rules().get(0).maxArea());
        assertEquals("[30, 0]", onnx.description().metadata().get("max_areas"));
        assertEquals(new TileGeometry(64, 128, 64, 64, 64), onnx.description().tileGeometry());
        float diff = OnnxExportTest.maxDiff(djl, onnx.newPredictor(2, true).predict(images));
        assertTrue(diff < 1e-4, "max |onnx - djl| with flip TTA = " + diff);
        float noFlip = OnnxExportTest.maxDiff(djl, onnx.newPredictor(2, false).predict(images));
        assertTrue(noFlip > 1e-4, "without TTA the output differs (" + noFlip + ")");
      }
      // a graph that has the flip inside is not flipped twice
      Path flipped = dir.resolve("f.onnx");
      Files.write(flipped, OnnxExport.export(List.of(model), Normalization.IMAGENET, true,
          description(true).metadata()).toByteArray());
      try (OnnxSegmentationModel onnx = OnnxSegmentationModel.load(flipped)) {
        float diff = OnnxExportTest.maxDiff(djl, onnx.newPredictor(3, true).predict(images));
        assertTrue(diff < 1e-4, "in-graph flip: " + diff);
      }
    }
  }

  @Test
  void theFoldMaximumClassesTravelInTheSidecarAndTheMetadata() {
    ExportedModel d = description(false, List.of(2));
    ExportedModel read = ExportedModel.fromJson(d.toJson(), "m.json");
    assertEquals(List.of(2), read.foldMaxClasses());
    assertEquals(d, read);
    assertEquals("[2]", d.metadata().get("fold_max_classes"));
    assertEquals(d, ExportedModel.fromJson(d.metadata().get(ExportedModel.METADATA_KEY), "meta"));
    assertTrue(d.toString().contains("max[2]"), d.toString());
  }

  @Test
  void aForeignOrMalformedFileIsRefusedNamingTheFileAndWhatIsMissing() throws Exception {
    Path foreign = dir.resolve("foreign.onnx");
    OnnxMl.ModelProto bare = OnnxMl.ModelProto.newBuilder().setIrVersion(8)
        .setGraph(OnnxMl.GraphProto.newBuilder().setName("g")).build();
    Files.write(foreign, bare.toByteArray());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxSegmentationModel.load(foreign));
    assertTrue(e.getMessage().contains(foreign.toString())
        && e.getMessage().contains("no 'sparkseg' metadata entry")
        && e.getMessage().contains("foreign.json"), e.getMessage());

    Path garbage = dir.resolve("garbage.onnx");
    Files.write(garbage, "not a model".getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("garbage.json"), description(false).toJson());
    e = assertThrows(IllegalArgumentException.class, () -> OnnxSegmentationModel.load(garbage));
    assertTrue(e.getMessage().contains(garbage.toString())
        && e.getMessage().contains("could not be loaded by ONNX Runtime"), e.getMessage());

    Path partial = dir.resolve("partial.onnx");
    Files.write(partial, bare.toByteArray());
    Files.writeString(dir.resolve("partial.json"), description(false).toJson()
        .replaceAll("\"minAreas\": \\[[^\\]]*\\],", ""));
    e = assertThrows(IllegalArgumentException.class, () -> OnnxSegmentationModel.load(partial));
    assertTrue(e.getMessage().contains("partial.json") && e.getMessage().contains("minAreas"),
        e.getMessage());

    // a sidecar written before the maximum area existed: no maximum
    ExportedModel older = ExportedModel.fromJson(description(false).toJson()
        .replaceAll("\"maxAreas\": \\[[^\\]]*\\],", ""), "older.json");
    assertEquals(null, older.maxAreas());
    assertEquals(new ClassRule(0.4f, 12, 0, 0f), older.postProcessor().rules().get(0));
    assertEquals(List.of(), older.foldMaxClasses(), "written before the fold maximum: none");
    assertFalse(description(false).metadata().containsKey("fold_max_classes"));

    Path missing = dir.resolve("missing.onnx");
    e = assertThrows(IllegalArgumentException.class, () -> OnnxSegmentationModel.load(missing));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
