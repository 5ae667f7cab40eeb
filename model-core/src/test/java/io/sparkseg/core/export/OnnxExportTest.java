package io.sparkseg.core.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.inference.Predictor;
import ai.djl.translate.NoopTranslator;
import ai.onnx.proto.OnnxMl;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.nn.Encoders;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.nn.TorchWeights;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.Normalization;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported ONNX graph, run by ONNX Runtime, gives the probabilities the DJL PyTorch model
 * gives through {@link SegmentationPredictor} (normalization, activation and flip TTA included)
 * for every architecture × encoder, two input sizes and batch sizes 1 and 3. BatchNorm affine
 * parameters are random and its running statistics come from training-mode passes, so the
 * folding is exercised on values like a trained model's.
 */
class OnnxExportTest {
  private static final float TOLERANCE = 1e-4f;
  private static final Normalization NORM = Normalization.IMAGENET;

  @TempDir
  Path dir;

  static Stream<Arguments> zoo() {
    List<Arguments> out = new ArrayList<>();
    for (ModelSpec.Architecture a : ModelSpec.Architecture.values()) {
      for (String e : Encoders.NAMES) {
        out.add(Arguments.of(a, e));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("zoo")
  void onnxRuntimeEqualsPytorch(ModelSpec.Architecture arch, String encoder) throws Exception {
    // sigmoid for ResNets, softmax for MobileNet: both activations over the zoo
    boolean softmax = encoder.equals("mobilenet_v2") || arch == ModelSpec.Architecture.FPN;
    ModelSpec spec = new ModelSpec(arch, encoder, null, softmax ? 4 : 3,
        softmax ? ModelSpec.Activation.SOFTMAX : ModelSpec.Activation.SIGMOID);
    boolean flip = encoder.equals("resnet18");
    Engine engine = Engines.pytorch();
    try (NDManager m = engine.newBaseManager(Device.cpu())) {
      SegmentationModel model = randomModel(spec, m, 11);
      Path file = write(OnnxExport.export(List.of(model), NORM, flip, Map.of("run_id", "t")));
      SegmentationPredictor djl = new SegmentationPredictor(model, m, NORM, 4, flip);
      try (OrtModel ort = new OrtModel(file)) {
        Random r = new Random(5);
        for (int[] size : new int[][] {{64, 96}, {96, 64}}) {
          for (int batch : new int[] {1, 3}) {
            List<Image8> images = images(r, batch, size[0], size[1]);
            float diff = maxDiff(djl.predict(images), ort.predict(images));
            assertTrue(diff < TOLERANCE, spec + " " + size[0] + "x" + size[1] + " batch "
                + batch + ": max |onnx - djl| = " + diff);
          }
        }
      }
    }
  }

  @Test
  void foldMaximumClassesAreTheFoldsMaximumInTheGraphAsInTiledEnsemble() throws Exception {
    ModelSpec spec = ModelSpec.unet("resnet18", 3, ModelSpec.Activation.SIGMOID);
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel a = randomModel(spec, m, 3);
      SegmentationModel b = randomModel(spec, m, 4);
      Path file = write(OnnxExport.export(List.of(a, b), NORM, true, List.of(2), Map.of()));
      List<Image8> images = images(new Random(9), 2, 64, 64);
      TileGeometry whole = new TileGeometry(64, 64, 64, 64, 64);
      List<SegmentationPredictor> folds = List.of(new SegmentationPredictor(a, m, NORM, 2, true),
          new SegmentationPredictor(b, m, NORM, 2, true));
      List<float[][]> djl = new TiledEnsemble(folds, whole, 3, List.of(2)).probabilities(images);
      List<float[][]> meanOnly = new TiledEnsemble(folds, whole, 3).probabilities(images);
      assertTrue(maxDiff(djl, meanOnly) > 1e-2, "the maximum differs from the mean here");
      try (OrtModel ort = new OrtModel(file)) {
        float diff = maxDiff(djl, ort.predict(images));
        assertTrue(diff < TOLERANCE, "max |onnx - TiledEnsemble with class 2 by maximum| = "
            + diff);
      }
      assertThrows(IllegalArgumentException.class,
          () -> OnnxExport.export(List.of(a, b), NORM, false, List.of(4), Map.of()));
    }
  }

  @Test
  void ensembleIsTheMeanOfTheFolds() throws Exception {
    ModelSpec spec = ModelSpec.unet("resnet18", 2, ModelSpec.Activation.SIGMOID);
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel a = randomModel(spec, m, 1);
      SegmentationModel b = randomModel(spec, m, 2);
      OnnxMl.ModelProto proto = OnnxExport.export(List.of(a, b), NORM, true,
          Map.of("run_id", "r1", "classes", "2"));
      assertEquals("r1", proto.getMetadataPropsList().stream()
          .filter(p -> p.getKey().equals("run_id")).findFirst().orElseThrow().getValue());
      assertEquals(OnnxExport.INPUT, proto.getGraph().getInput(0).getName());
      assertEquals(OnnxExport.OUTPUT, proto.getGraph().getOutput(0).getName());
      assertTrue(proto.getGraph().getNodeList().stream()
          .noneMatch(n -> n.getOpType().equals("BatchNormalization")), "BatchNorm folded");
      long plain = OnnxExport.export(List.of(a, b), NORM, false, Map.of()).getSerializedSize();
      assertTrue(proto.getSerializedSize() < plain * 1.01, "the mirrored pass shares the weights: "
          + proto.getSerializedSize() + " vs " + plain + " bytes");
      Path file = write(proto);
      List<Image8> images = images(new Random(8), 2, 64, 64);
      List<float[][]> pa = new SegmentationPredictor(a, m, NORM, 2, true).predict(images);
      List<float[][]> pb = new SegmentationPredictor(b, m, NORM, 2, true).predict(images);
      float apart = maxDiff(pa, pb);
      assertTrue(apart > 1e-2, "the two folds differ (" + apart + ")");
      for (int i = 0; i < pa.size(); i++) {
        for (int c = 0; c < pa.get(i).length; c++) {
          for (int p = 0; p < pa.get(i)[c].length; p++) {
            pa.get(i)[c][p] = (pa.get(i)[c][p] + pb.get(i)[c][p]) / 2;
          }
        }
      }
      try (OrtModel ort = new OrtModel(file)) {
        float diff = maxDiff(pa, ort.predict(images));
        assertTrue(diff < TOLERANCE, "ensemble: max |onnx - mean of folds| = " + diff);
      }
    }
  }

  /** An initialized model with random weights and random BatchNorm statistics. */
  static SegmentationModel randomModel(ModelSpec spec, NDManager m, long seed) {
    Engines.pytorch().setRandomSeed((int) seed);
    SegmentationModel model = SegmentationModel.build(spec);
    model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
    Random r = new Random(seed);
    for (Map.Entry<String, Parameter> e : TorchWeights.parameters(model).entrySet()) {
      String name = e.getKey();
      NDArray a = e.getValue().getArray();
      int n = (int) a.size();
      float[] v = new float[n];
      if (name.endsWith("running_var")) {
        for (int i = 0; i < n; i++) {
          v[i] = 0.5f + r.nextFloat();
        }
      } else if (name.endsWith("running_mean") || name.endsWith(".bias")) {
        for (int i = 0; i < n; i++) {
          v[i] = (float) (r.nextGaussian() * 0.1);
        }
      } else if (a.getShape().dimension() == 1) { // BatchNorm / GroupNorm weight
        for (int i = 0; i < n; i++) {
          v[i] = 0.8f + 0.4f * r.nextFloat();
        }
      } else {
        continue; // convolution weights keep their (seeded) initialization
      }
      a.set(FloatBuffer.wrap(v));
    }
    // BatchNorm running statistics as training leaves them: close to the batch statistics
    // (random ones make a 50-layer network's activations explode, which no trained model has)
    ParameterStore ps = new ParameterStore(m, false);
    NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
    for (int i = 0; i < 12; i++) {
      model.forward(ps, new NDList(x), true).singletonOrThrow().close();
    }
    return model;
  }

  static List<Image8> images(Random r, int n, int h, int w) {
    List<Image8> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] px = new byte[h * w * 3];
      r.nextBytes(px);
      out.add(new Image8(h, w, 3, px));
    }
    return out;
  }

  static float maxDiff(List<float[][]> a, List<float[][]> b) {
    assertEquals(a.size(), b.size());
    float max = 0;
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).length, b.get(i).length, "classes");
      for (int c = 0; c < a.get(i).length; c++) {
        assertEquals(a.get(i)[c].length, b.get(i)[c].length, "pixels");
        for (int p = 0; p < a.get(i)[c].length; p++) {
          max = Math.max(max, Math.abs(a.get(i)[c][p] - b.get(i)[c][p]));
        }
      }
    }
    return max;
  }

  private Path write(OnnxMl.ModelProto proto) throws Exception {
    Path file = Files.createTempFile(dir, "model", ".onnx");
    Files.write(file, proto.toByteArray());
    return file;
  }

  /** The exported file in ONNX Runtime (through DJL), fed RGB 0..255 as the graph expects. */
  static final class OrtModel implements AutoCloseable {
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;

    OrtModel(Path file) throws Exception {
      model = Criteria.builder().setTypes(NDList.class, NDList.class).optEngine("OnnxRuntime")
          .optModelPath(file).optTranslator(new NoopTranslator()).build().loadModel();
      predictor = model.newPredictor();
    }

    List<float[][]> predict(List<Image8> images) throws Exception {
      int n = images.size();
      int h = images.get(0).height();
      int w = images.get(0).width();
      int plane = h * w;
      float[] x = new float[n * 3 * plane];
      for (int i = 0; i < n; i++) {
        byte[] px = images.get(i).data();
        for (int c = 0; c < 3; c++) {
          for (int p = 0; p < plane; p++) {
            x[(i * 3 + c) * plane + p] = px[p * 3 + c] & 0xFF;
          }
        }
      }
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDList out = predictor.predict(new NDList(m.create(x, new Shape(n, 3, h, w))));
        return SegmentationPredictor.planes(out.singletonOrThrow());
      }
    }

    @Override
    public void close() {
      predictor.close();
      model.close();
    }
  }
}
