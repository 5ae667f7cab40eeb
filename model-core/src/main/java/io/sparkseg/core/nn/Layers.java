package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/** Small building blocks and shape arithmetic shared by encoders and decoders. */
final class Layers {
  private Layers() {}

  /** A k×k convolution with "same"-style padding k/2, as torchvision and smp build them. */
  static Conv2d conv(int outChannels, int kernel, int stride, boolean bias) {
    return conv(outChannels, kernel, stride, 1, 1, bias);
  }

  /**
   * A k×k convolution with dilation {@code d} (padding (k/2)·d keeps the size at stride 1) and
   * {@code groups} (= input channels for a depthwise convolution).
   */
  static Conv2d conv(int outChannels, int kernel, int stride, int dilation, int groups,
      boolean bias) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(kernel / 2 * dilation, kernel / 2 * dilation))
        .optDilation(new Shape(dilation, dilation))
        .optGroups(groups)
        .setFilters(outChannels)
        .optBias(bias)
        .build();
  }

  /**
   * The ONNX twin of {@link #run}: a DJL convolution as is, a sparkseg block through
   * {@link OnnxExportable}.
   */
  static String onnx(OnnxGraph g, Block block, String x) {
    if (block instanceof Conv2d c) {
      return g.conv(x, c, null);
    }
    if (block instanceof OnnxExportable e) {
      return e.toOnnx(g, List.of(x)).get(0);
    }
    throw new UnsupportedOperationException("no ONNX export for " + block.getClass().getName());
  }

  /** {@link #onnx} over a chain of blocks; a convolution followed by a BatchNorm is folded. */
  static String onnxChain(OnnxGraph g, Block[] blocks, String x) {
    for (int i = 0; i < blocks.length; i++) {
      if (blocks[i] instanceof Conv2d c && i + 1 < blocks.length
          && blocks[i + 1] instanceof BatchNorm bn) {
        x = g.conv(x, c, bn);
        i++;
      } else {
        x = onnx(g, blocks[i], x);
      }
    }
    return x;
  }

  /** BatchNorm with PyTorch's defaults (eps 1e-5, momentum 0.1 in PyTorch's sense). */
  static BatchNorm bn() {
    return BatchNorm.builder().optEpsilon((float) OnnxGraph.BN_EPSILON).optMomentum(0.9f).build();
  }

  static NDArray run(Block block, ParameterStore ps, NDArray x, boolean training) {
    return block.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  /** Initializes {@code block} for {@code input} and returns its output shape. */
  static Shape init(Block block, ai.djl.ndarray.NDManager manager, ai.djl.ndarray.types.DataType type,
      Shape input) {
    block.initialize(manager, type, input);
    return block.getOutputShapes(new Shape[] {input})[0];
  }

  /** NCHW shape with {@code channels} and spatial size divided by {@code stride} (ceil). */
  static Shape strided(Shape in, long channels, int stride) {
    return new Shape(in.get(0), channels, (in.get(2) + stride - 1) / stride,
        (in.get(3) + stride - 1) / stride);
  }
}
