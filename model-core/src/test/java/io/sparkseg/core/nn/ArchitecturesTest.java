package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sparkseg.core.train.Optimizer;
import io.sparkseg.core.train.SegLoss;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every architecture: shapes, smp parameter names, gradients, and a few steps that learn. */
class ArchitecturesTest {
  /** smp state-dict keys each architecture must have (resnet18 encoder, 2 classes). */
  private static final Map<ModelSpec.Architecture, Map<String, long[]>> SMP_KEYS = Map.of(
      ModelSpec.Architecture.UNET, Map.of(
          "decoder.blocks.0.conv1.0.weight", new long[] {256, 768, 3, 3},
          "segmentation_head.0.weight", new long[] {2, 16, 3, 3}),
      ModelSpec.Architecture.UNET_PLUS_PLUS, Map.of(
          "decoder.blocks.x_0_0.conv1.0.weight", new long[] {256, 768, 3, 3},
          "decoder.blocks.x_1_2.conv1.0.weight", new long[] {64, 256, 3, 3},
          "decoder.blocks.x_0_3.conv1.0.weight", new long[] {32, 64 + 4 * 64, 3, 3},
          "decoder.blocks.x_0_4.conv2.1.running_var", new long[] {16}),
      ModelSpec.Architecture.FPN, Map.of(
          "decoder.p5.weight", new long[] {256, 512, 1, 1},
          "decoder.p2.skip_conv.weight", new long[] {256, 64, 1, 1},
          "decoder.seg_blocks.0.block.2.block.0.weight", new long[] {128, 128, 3, 3},
          "decoder.seg_blocks.3.block.0.block.1.bias", new long[] {128},
          "segmentation_head.0.weight", new long[] {2, 128, 1, 1}),
      ModelSpec.Architecture.LINKNET, Map.of(
          "decoder.blocks.0.block.0.0.weight", new long[] {128, 512, 1, 1},
          "decoder.blocks.4.block.2.0.weight", new long[] {32, 16, 1, 1},
          "segmentation_head.0.weight", new long[] {2, 32, 1, 1}),
      ModelSpec.Architecture.DEEPLABV3_PLUS, Map.of(
          "decoder.aspp.0.convs.0.0.weight", new long[] {256, 512, 1, 1},
          "decoder.aspp.0.convs.1.0.0.weight", new long[] {512, 1, 3, 3},
          "decoder.aspp.0.convs.4.1.weight", new long[] {256, 512, 1, 1},
          "decoder.aspp.0.convs.4.2.running_var", new long[] {256},
          "decoder.aspp.0.project.0.weight", new long[] {256, 1280, 1, 1},
          "decoder.aspp.1.1.weight", new long[] {256, 256, 1, 1},
          "decoder.aspp.2.weight", new long[] {256},
          "decoder.block1.0.weight", new long[] {48, 64, 1, 1},
          "decoder.block2.0.0.weight", new long[] {304, 1, 3, 3}),
      ModelSpec.Architecture.PSPNET, Map.of(
          "decoder.psp.blocks.0.pool.1.0.bias", new long[] {32},
          "decoder.psp.blocks.3.pool.1.1.running_mean", new long[] {32},
          "decoder.conv.0.weight", new long[] {512, 256, 1, 1},
          "segmentation_head.0.weight", new long[] {2, 512, 3, 3}));

  @ParameterizedTest
  @EnumSource(ModelSpec.Architecture.class)
  void buildsWithSmpNamesAndLearns(ModelSpec.Architecture arch) {
    Engine engine = Engines.pytorch();
    try (NDManager m = engine.newBaseManager(Device.cpu())) {
      engine.setRandomSeed(3);
      ModelSpec spec = new ModelSpec(arch, "resnet18", null, 2, ModelSpec.Activation.SIGMOID);
      SegmentationModel model = SegmentationModel.build(spec);
      Shape in = new Shape(2, 3, 64, 96);
      model.initialize(m, DataType.FLOAT32, in);
      Map<String, Parameter> names = TorchWeights.parameters(model);
      SMP_KEYS.get(arch).forEach((key, shape) -> {
        assertTrue(names.containsKey(key), arch + ": " + key + " missing");
        assertArrayEquals(shape, names.get(key).getArray().getShape().getShape(), arch + " " + key);
      });
      if (arch == ModelSpec.Architecture.PSPNET) {
        assertFalse(names.containsKey("encoder.layer3.0.conv1.weight"), "depth-3 encoder");
        assertFalse(names.containsKey("decoder.psp.blocks.0.pool.1.1.weight"), "no BN at 1x1");
      }

      model.attachGradients();
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(in);
      NDArray y = x.get(":, 0:2, :, :").gt(0.5f).toType(DataType.FLOAT32, false); // learnable
      SegLoss loss = SegLoss.of("combo", null);
      Optimizer opt = new Optimizer(Optimizer.Kind.ADAM, 0, 0);
      float lr = 3e-4f;
      float first = 0;
      float last = 0;
      for (int step = 0; step < 6; step++) {
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray out = model.forward(ps, new NDList(x), true).singletonOrThrow();
            assertArrayEquals(new long[] {2, 2, 64, 96}, out.getShape().getShape(), arch.name());
            NDArray l = loss.compute(out, y);
            gc.backward(l);
            last = l.getFloat();
            first = step == 0 ? last : first;
          }
          if (step == 0) {
            assertTrue(names.get("encoder.conv1.weight").getArray().getGradient().abs().sum()
                .getFloat() > 0, arch + ": gradient reaches the encoder");
          }
          opt.step(names, lr);
        }
      }
      assertTrue(last < first, arch + ": loss " + first + " -> " + last);
      NDArray eval = model.forward(ps, new NDList(x), false).singletonOrThrow();
      assertEquals(List.of(2L, 2L, 64L, 96L), List.of(eval.getShape().get(0),
          eval.getShape().get(1), eval.getShape().get(2), eval.getShape().get(3)));
    }
  }

  @Test
  void deeplabEncoderKeepsStride16() {
    ResNetEncoder enc = new ResNetEncoder(ResNetEncoder.Variant.RESNET50, 5, 16);
    Shape[] s = enc.getOutputShapes(new Shape[] {new Shape(1, 3, 64, 96)});
    assertArrayEquals(new long[] {1, 2048, 4, 6}, s[4].getShape());
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      enc.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 96));
      NDList out = enc.forward(new ParameterStore(m, false),
          new NDList(m.randomNormal(new Shape(1, 3, 64, 96))), false);
      assertArrayEquals(new long[] {1, 2048, 4, 6}, out.get(4).getShape().getShape());
      assertArrayEquals(new long[] {1, 1024, 4, 6}, out.get(3).getShape().getShape());
    }
  }
}
