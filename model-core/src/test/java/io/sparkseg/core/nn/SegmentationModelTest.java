package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SegmentationModelTest {
  @Test
  void unetGivesLogitsAtInputResolutionWithSmpNames() {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel model = SegmentationModel.build(
          ModelSpec.unet("resnet18", 4, ModelSpec.Activation.SIGMOID));
      Shape in = new Shape(2, 3, 64, 128);
      model.initialize(m, DataType.FLOAT32, in);
      NDArray x = m.randomNormal(in);
      NDArray y = model.forward(new ParameterStore(m, false), new NDList(x), false)
          .singletonOrThrow();
      assertArrayEquals(new long[] {2, 4, 64, 128}, y.getShape().getShape());
      assertArrayEquals(new long[] {2, 4, 64, 128},
          model.getOutputShapes(new Shape[] {in})[0].getShape());
      Map<String, ai.djl.nn.Parameter> names = TorchWeights.parameters(model);
      for (String n : new String[] {"encoder.conv1.weight", "encoder.layer4.1.bn2.running_var",
          "decoder.blocks.0.conv1.0.weight", "decoder.blocks.0.conv1.1.weight",
          "decoder.blocks.4.conv2.1.running_mean", "segmentation_head.0.weight",
          "segmentation_head.0.bias"}) {
        assertTrue(names.containsKey(n), n + " in " + names.keySet());
      }
      // decoder block 0: upsampled 512 + skip 256 channels in, 256 out
      assertArrayEquals(new long[] {256, 768, 3, 3},
          names.get("decoder.blocks.0.conv1.0.weight").getArray().getShape().getShape());
      assertArrayEquals(new long[] {16, 32, 3, 3},
          names.get("decoder.blocks.4.conv1.0.weight").getArray().getShape().getShape());
    }
  }

  @Test
  void gradientsReachTheEncoder() {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel model = SegmentationModel.build(
          ModelSpec.unet("resnet18", 1, ModelSpec.Activation.SIGMOID));
      model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
      model.attachGradients();
      try (GradientCollector gc = Engine.getEngine(Engines.PYTORCH).newGradientCollector()) {
        NDArray y = model.forward(new ParameterStore(m, false),
            new NDList(m.randomNormal(new Shape(2, 3, 64, 64))), true).singletonOrThrow();
        gc.backward(y.square().mean());
      }
      NDArray g = TorchWeights.parameters(model).get("encoder.conv1.weight").getArray()
          .getGradient();
      assertTrue(g.abs().sum().getFloat() > 0, "upsampling and concat pass gradients back");
    }
  }

  @Test
  void inputSizeMustBeAMultipleOf32() {
    SegmentationModel model = SegmentationModel.build(
        ModelSpec.unet("resnet34", 1, ModelSpec.Activation.SIGMOID));
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 100, 128)));
      assertTrue(e.getMessage().contains("multiples of 32"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class,
        () -> ModelSpec.unet("resnet101", 1, ModelSpec.Activation.SIGMOID));
    assertEquals(ModelSpec.Architecture.UNET, ModelSpec.Architecture.of("unet"));
  }
}
