package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Numerical equality with torchvision: the fixture (made by src/test/python/make_resnet_fixture.py
 * with Debian's python3-torch) holds random-init ResNet-18 weights and torchvision's feature map
 * at every stage; the Java encoder loaded from those weights must match each within 1e-4.
 */
class ResNetEncoderTest {
  private static SafeTensors fixture(String file) throws Exception {
    try (InputStream in = ResNetEncoderTest.class.getResourceAsStream(
        "/fixtures/resnet18/" + file)) {
      return SafeTensors.read(in, file);
    }
  }

  @Test
  void resnet18MatchesTorchvisionAtEveryStage() throws Exception {
    SafeTensors weights = fixture("weights.safetensors");
    SafeTensors expected = fixture("expected.safetensors");
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      ResNetEncoder enc = new ResNetEncoder(ResNetEncoder.Variant.RESNET18);
      enc.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 96));
      TorchWeights.LoadReport report = TorchWeights.load(enc, weights, "", "fixture");
      assertEquals(weights.entries().size() - report.unused().size(), report.loaded());
      assertTrue(report.unused().contains("fc.weight"), report.unused().toString());
      assertTrue(report.unused().stream().allMatch(n -> n.startsWith("fc.")
          || n.endsWith("num_batches_tracked")), report.unused().toString());

      NDArray x = m.create(expected.floats("input"), new Shape(2, 3, 64, 96));
      NDList out = enc.forward(new ParameterStore(m, false), new NDList(x), false);
      assertEquals(5, out.size());
      Shape[] shapes = enc.getOutputShapes(new Shape[] {x.getShape()});
      for (int i = 0; i < 5; i++) {
        String stage = "stage" + (i + 1);
        long[] shape = expected.entries().get(stage).shape();
        assertArrayEquals(shape, out.get(i).getShape().getShape(), stage);
        assertArrayEquals(shape, shapes[i].getShape(), stage + " from getOutputShapes");
        float[] want = expected.floats(stage);
        float[] got = out.get(i).toFloatArray();
        float maxDiff = 0;
        for (int k = 0; k < want.length; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(want[k] - got[k]));
        }
        assertTrue(maxDiff <= 1e-4f, stage + " max abs difference " + maxDiff);
      }
    }
  }

  @Test
  void torchNamesFollowTorchvision() {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      ResNetEncoder r50 = new ResNetEncoder(ResNetEncoder.Variant.RESNET50);
      r50.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      Map<String, ai.djl.nn.Parameter> names = TorchWeights.parameters(r50);
      assertTrue(names.containsKey("conv1.weight"));
      assertTrue(names.containsKey("bn1.running_var"));
      assertTrue(names.containsKey("layer1.0.downsample.0.weight"));
      assertTrue(names.containsKey("layer4.2.bn3.bias"));
      assertEquals(List.of(1L * 2048, 1L * 2048), List.of(
          names.get("layer4.2.bn3.weight").getArray().getShape().get(0),
          names.get("layer4.2.bn3.running_mean").getArray().getShape().get(0)));
      // torchvision's resnet50 state dict: 320 tensors, less fc.* (2) and num_batches_tracked (53)
      assertEquals(265, names.size());
      assertArrayEquals(new int[] {64, 256, 512, 1024, 2048}, r50.outChannels());
    }
  }

  @Test
  void wrongWeightsAreRejectedWithNames() throws Exception {
    SafeTensors weights = fixture("weights.safetensors");
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      ResNetEncoder r34 = new ResNetEncoder(ResNetEncoder.Variant.RESNET34);
      r34.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TorchWeights.load(r34, weights, "", "resnet18.safetensors"));
      assertTrue(e.getMessage().startsWith("resnet18.safetensors: weights do not fit the model; "
          + "missing"), e.getMessage());
      assertTrue(e.getMessage().contains("layer1.2.conv1.weight"), e.getMessage());
    }
  }

  @Test
  void encoderWeightsAlsoLoadFromDjlParams() throws Exception {
    SafeTensors weights = fixture("weights.safetensors");
    SafeTensors expected = fixture("expected.safetensors");
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      ModelSpec spec = ModelSpec.unet("resnet18", 1, ModelSpec.Activation.SIGMOID);
      SegmentationModel a = SegmentationModel.build(spec);
      a.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 96));
      ModelIo.loadEncoder(a, weights, "fixture");
      java.io.ByteArrayOutputStream params = new java.io.ByteArrayOutputStream();
      ModelIo.writeEncoderParams(a, params);

      SegmentationModel b = SegmentationModel.build(spec);
      b.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 96));
      ModelIo.loadEncoder(b, new java.io.ByteArrayInputStream(params.toByteArray()),
          "resnet18.params", m);
      NDArray x = m.create(expected.floats("input"), new Shape(2, 3, 64, 96));
      NDArray s5 = b.encoder().forward(new ParameterStore(m, false), new NDList(x), false).get(4);
      float[] want = expected.floats("stage5");
      float[] got = s5.toFloatArray();
      for (int k = 0; k < want.length; k++) {
        assertEquals(want[k], got[k], 1e-4f);
      }
      java.io.IOException bad = assertThrows(java.io.IOException.class, () -> ModelIo.loadEncoder(
          b, new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}), "junk.params", m));
      assertTrue(bad.getMessage().startsWith("junk.params: not DJL parameters"), bad.getMessage());
    }
  }
}
