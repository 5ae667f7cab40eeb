package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** MobileNetV2 against torchvision (fixture from src/test/python/make_encoder_fixtures.py). */
class MobileNetV2EncoderTest {
  private static SafeTensors fixture(String file) throws Exception {
    try (InputStream in = MobileNetV2EncoderTest.class.getResourceAsStream(
        "/fixtures/mobilenet_v2/" + file)) {
      return SafeTensors.read(in, file);
    }
  }

  @Test
  void matchesTorchvisionAtEveryStage() throws Exception {
    SafeTensors weights = fixture("weights.safetensors");
    SafeTensors expected = fixture("expected.safetensors");
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      MobileNetV2Encoder enc = new MobileNetV2Encoder(5, 32);
      enc.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 96));
      TorchWeights.LoadReport r = TorchWeights.load(enc, weights, "", "fixture");
      assertTrue(r.unused().stream().allMatch(n -> n.startsWith("classifier.")
          || n.endsWith("num_batches_tracked")), r.unused().toString());
      NDArray x = m.create(expected.floats("input"), new Shape(2, 3, 64, 96));
      NDList out = enc.forward(new ParameterStore(m, false), new NDList(x), false);
      Shape[] shapes = enc.getOutputShapes(new Shape[] {x.getShape()});
      for (int i = 0; i < 5; i++) {
        String stage = "stage" + (i + 1);
        assertArrayEquals(expected.entries().get(stage).shape(), out.get(i).getShape().getShape());
        assertArrayEquals(expected.entries().get(stage).shape(), shapes[i].getShape());
        float[] want = expected.floats(stage);
        float[] got = out.get(i).toFloatArray();
        float max = 0;
        for (int k = 0; k < want.length; k++) {
          max = Math.max(max, Math.abs(want[k] - got[k]));
        }
        assertTrue(max <= 1e-4f, stage + " max abs difference " + max);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ModelSpec.Architecture.class)
  void everyArchitectureBuildsOnMobileNetV2(ModelSpec.Architecture arch) {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel model = SegmentationModel.build(
          new ModelSpec(arch, "mobilenet_v2", null, 3, ModelSpec.Activation.SOFTMAX));
      model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 96));
      NDArray y = model.forward(new ParameterStore(m, false),
          new NDList(m.randomNormal(new Shape(2, 3, 64, 96))), false).singletonOrThrow();
      assertArrayEquals(new long[] {2, 3, 64, 96}, y.getShape().getShape(), arch.name());
      // block 3 expands 24 -> 144 channels; its depthwise 3x3 is conv.1.0
      assertArrayEquals(new long[] {144, 1, 3, 3}, TorchWeights.parameters(model)
          .get("encoder.features.3.conv.1.0.weight").getArray().getShape().getShape(), arch.name());
    }
  }
}
