package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/**
 * MobileNetV2 (width 1.0) as a lightweight feature encoder, in torchvision's structure and
 * parameter names ({@code features.0.0}, {@code features.3.conv.1.0}, ...). Stages as smp's
 * {@code mobilenet_v2}: features[:2] at 1/2 (16 channels), [2:4] 1/4 (24), [4:7] 1/8 (32),
 * [7:14] 1/16 (96), [14:] 1/32 (1280). Output stride 16 dilates the last stage as smp does.
 */
public final class MobileNetV2Encoder extends AbstractBlock implements Encoder, OnnxExportable {
  /** torchvision's inverted residual settings: expansion t, channels c, repeats n, stride s. */
  private static final int[][] SETTINGS = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
      {6, 320, 1, 1}};
  /** Last feature index (exclusive) of each stage. */
  private static final int[] STAGE_ENDS = {2, 4, 7, 14, 19};
  private static final int[] CHANNELS = {16, 24, 32, 96, 1280};
  private final Block[] features;
  private final int depth;
  private final int[] strides;

  public MobileNetV2Encoder(int depth, int outputStride) {
    if (depth < 2 || depth > 5 || (outputStride != 32 && outputStride != 16)) {
      throw new IllegalArgumentException("encoder depth must be 2..5 and output stride 16 or 32,"
          + " got " + depth + " and " + outputStride);
    }
    this.depth = depth;
    int count = STAGE_ENDS[depth - 1];
    features = new Block[count];
    strides = new int[depth];
    int index = 0;
    features[index++] = convBnRelu6(32, 3, 2, 1, 1);
    int in = 32;
    for (int[] s : SETTINGS) {
      for (int i = 0; i < s[2] && index < count && index < 18; i++) {
        boolean dilate = outputStride == 16 && index >= 14;
        int blockStride = i == 0 && !dilate ? s[3] : 1;
        features[index++] = new InvertedResidual(in, s[1], blockStride, s[0], dilate ? 2 : 1);
        in = s[1];
      }
    }
    if (index < count) {
      features[index] = convBnRelu6(1280, 1, 1, 1, 1);
    }
    for (int d = 0; d < depth; d++) {
      strides[d] = Math.min(2 << d, d == 4 ? outputStride : 32);
    }
    addChildBlock("features", new Blocks.ModuleList(features));
  }

  @Override
  public int[] outChannels() {
    int[] c = new int[depth];
    System.arraycopy(CHANNELS, 0, c, 0, depth);
    return c;
  }

  @Override
  public String name() {
    return "mobilenet_v2";
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDList out = new NDList();
    int stage = 0;
    for (int i = 0; i < features.length; i++) {
      x = Layers.run(features[i], ps, x, training);
      if (i + 1 == STAGE_ENDS[stage]) {
        out.add(x);
        stage++;
      }
    }
    return out;
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
    String x = inputs.get(0);
    List<String> out = new java.util.ArrayList<>();
    int stage = 0;
    for (int i = 0; i < features.length; i++) {
      try (OnnxGraph.Scope scope = g.scope("features." + i)) {
        x = Layers.onnx(g, features[i], x);
      }
      if (i + 1 == STAGE_ENDS[stage]) {
        out.add(x);
        stage++;
      }
    }
    return out;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    if (inputShapes[0].get(1) != 3) {
      throw new IllegalArgumentException(name() + " expects 3 input channels, got shape "
          + inputShapes[0]);
    }
    Shape s = inputShapes[0];
    for (Block f : features) {
      s = Layers.init(f, manager, dataType, s);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] out = new Shape[depth];
    for (int d = 0; d < depth; d++) {
      out[d] = Layers.strided(inputShapes[0], CHANNELS[d], strides[d]);
    }
    return out;
  }

  /** torchvision's Conv2dNormActivation with ReLU6: conv "0" (no bias), BatchNorm "1". */
  private static Blocks.ConvBnAct convBnRelu6(int out, int kernel, int stride, int dilation,
      int groups) {
    return new Blocks.ConvBnAct(Layers.conv(out, kernel, stride, dilation, groups, false), true,
        Blocks.Act.RELU6);
  }

  /**
   * torchvision's InvertedResidual: {@code conv} = [1×1 expand (t > 1)], 3×3 depthwise,
   * 1×1 project (no activation) and its BatchNorm; a residual when shape is kept.
   */
  static final class InvertedResidual extends AbstractBlock implements OnnxExportable {
    private final Block[] layers;
    private final boolean residual;
    private final int out;
    private final int stride;

    InvertedResidual(int in, int out, int stride, int expansion, int dilation) {
      this.out = out;
      this.stride = stride;
      int hidden = in * expansion;
      residual = stride == 1 && in == out;
      Blocks.ConvBnAct dw = convBnRelu6(hidden, 3, stride, dilation, hidden);
      Conv2d project = Layers.conv(out, 1, 1, false);
      BatchNorm bn = Layers.bn();
      layers = expansion == 1 ? new Block[] {dw, project, bn}
          : new Block[] {convBnRelu6(hidden, 1, 1, 1, 1), dw, project, bn};
      addChildBlock("conv", new Blocks.ModuleList(layers));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      NDArray h = x;
      for (Block b : layers) {
        h = Layers.run(b, ps, h, training);
      }
      return new NDList(residual ? h.add(x) : h);
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = inputs.get(0);
      String h = Layers.onnxChain(g, layers, x);
      return List.of(residual ? g.add(h, x) : h);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = inputShapes[0];
      for (Block b : layers) {
        s = Layers.init(b, manager, dataType, s);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {Layers.strided(inputShapes[0], out, stride)};
    }
  }
}
