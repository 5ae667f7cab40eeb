package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/**
 * smp's DeepLabV3+ decoder on an output-stride-16 encoder: ASPP on the deepest stage (1×1
 * branch, three separable atrous 3×3 branches at rates 12/24/36, image pooling; concatenated,
 * projected to 256 with dropout 0.5), a separable 3×3 conv, ×4 bilinear upsampling, fused with
 * the stride-4 stage reduced to 48 channels, and a final separable 3×3 conv. Output at stride 4;
 * the head (1×1) upsamples ×4. Module names follow smp ({@code aspp.0.convs.i},
 * {@code aspp.0.project}, {@code block1}, {@code block2}).
 */
public final class DeepLabV3PlusDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private final Block[] branches = new Block[5];
  private final ConvBn project;
  private final ConvBn asppConv;
  private final ConvBn block1;
  private final ConvBn block2;
  private final int out;

  public DeepLabV3PlusDecoder(int[] encoderChannels, int outChannels, int[] atrousRates) {
    this.out = outChannels;
    int in = encoderChannels[4];
    branches[0] = new ConvBn(Layers.conv(outChannels, 1, 1, false), null);
    for (int i = 0; i < 3; i++) {
      branches[i + 1] = new ConvBn(null, separable(in, outChannels, atrousRates[i]));
    }
    // image pooling: smp's Sequential(AdaptiveAvgPool2d, Conv2d, BN, ReLU) -> "1", "2"
    branches[4] = new ConvBn(Layers.conv(outChannels, 1, 1, false), null, "1", "2");
    Block convs = new Blocks.ModuleList(branches);
    project = new ConvBn(Layers.conv(outChannels, 1, 1, false), null);
    Block aspp = new Blocks.ModuleList(new String[] {"convs", "project"}, convs, project);
    asppConv = new ConvBn(null, separable(outChannels, outChannels, 1));
    // smp: aspp = Sequential(ASPP, SeparableConv2d, BatchNorm2d, ReLU): "aspp.0", "aspp.1", "aspp.2"
    addChildBlock("aspp", new Blocks.ModuleList(new String[] {"0", "1", "2"}, aspp,
        asppConv.separable(), asppConv.bn()));
    block1 = addChildBlock("block1", new ConvBn(Layers.conv(48, 1, 1, false), null));
    block2 = addChildBlock("block2", new ConvBn(null, separable(48 + outChannels, outChannels, 1)));
  }

  /** smp's SeparableConv2d: depthwise k×k (dilated) "0", pointwise 1×1 "1", no bias. */
  private static Blocks.ModuleList separable(int in, int out, int dilation) {
    return new Blocks.ModuleList(Layers.conv(in, 3, 1, dilation, in, false),
        Layers.conv(out, 1, 1, false));
  }

  @Override
  public int outChannels() {
    return out;
  }

  @Override
  public int outStride() {
    return 4;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList f, boolean training,
      PairList<String, Object> params) {
    NDArray x = f.get(4);
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDList parts = new NDList();
    for (int i = 0; i < 4; i++) {
      parts.add(((ConvBn) branches[i]).forward(ps, x, training));
    }
    NDArray pooled = ((ConvBn) branches[4]).forward(ps,
        x.mean(new int[] {3}, true).mean(new int[] {2}, true), training); // PyTorch engine: one axis per mean
    parts.add(Blocks.upsampleBilinear(pooled, h, w));
    NDArray a = project.forward(ps, NDArrays.concat(parts, 1), training);
    a = Blocks.channelDropout(a, 0.5f, training); // nn.Dropout(0.5) in smp
    a = asppConv.forward(ps, a, training);
    NDArray high = f.get(1);
    a = Blocks.upsampleBilinear(a, high.getShape().get(2), high.getShape().get(3));
    NDArray fused = a.concat(block1.forward(ps, high, training), 1);
    return new NDList(block2.forward(ps, fused, training));
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> f) {
    String x = f.get(4);
    List<String> parts = new java.util.ArrayList<>();
    try (OnnxGraph.Scope scope = g.scope("aspp")) {
      for (int i = 0; i < 4; i++) {
        parts.add(((ConvBn) branches[i]).toOnnx(g, x));
      }
      String pooled = ((ConvBn) branches[4]).toOnnx(g, g.globalAveragePool(x));
      parts.add(g.resizeLike(pooled, x));
      String a = project.toOnnx(g, g.concat(parts, 1));
      a = asppConv.toOnnx(g, a);
      String high = f.get(1);
      a = g.upsample(a, 4, true);
      String fused = g.concat(List.of(a, block1.toOnnx(g, high)), 1);
      return List.of(block2.toOnnx(g, fused));
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... f) {
    Shape x = f[4];
    for (int i = 0; i < 4; i++) {
      ((ConvBn) branches[i]).init(manager, dataType, x);
    }
    ((ConvBn) branches[4]).init(manager, dataType, new Shape(x.get(0), x.get(1), 1, 1));
    Shape a = new Shape(x.get(0), 5L * out, x.get(2), x.get(3));
    a = project.init(manager, dataType, a);
    a = asppConv.init(manager, dataType, a);
    Shape high = f[1];
    Shape b1 = block1.init(manager, dataType, high);
    block2.init(manager, dataType, new Shape(high.get(0), a.get(1) + b1.get(1), high.get(2),
        high.get(3)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] f) {
    Shape high = f[1];
    return new Shape[] {new Shape(high.get(0), out, high.get(2), high.get(3))};
  }

  /**
   * A convolution (plain, or separable: depthwise "0" + pointwise "1"), BatchNorm and ReLU,
   * as smp's Sequential(conv, BN, ReLU); the conv and BN sit under the given module indices.
   */
  static final class ConvBn extends AbstractBlock implements OnnxExportable {
    private final Block[] convs;
    private final BatchNorm bn;

    ConvBn(Conv2d conv, Blocks.ModuleList separable) {
      this(conv, separable, "0", "1");
    }

    ConvBn(Conv2d conv, Blocks.ModuleList separable, String convName, String bnName) {
      if (conv != null) {
        convs = new Block[] {addChildBlock(convName, conv)};
      } else {
        addChildBlock(convName, separable);
        convs = new Block[] {separable.get(0), separable.get(1)};
      }
      bn = addChildBlock(bnName, Layers.bn());
    }

    /** The separable convolution's module list, for smp's aspp.1 position. */
    Block separable() {
      return getChildren().get(0).getValue();
    }

    BatchNorm bn() {
      return bn;
    }

    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
      NDArray h = x;
      for (Block c : convs) {
        h = Layers.run(c, ps, h, training);
      }
      return Activation.relu(Layers.run(bn, ps, h, training));
    }

    String toOnnx(OnnxGraph g, String x) {
      String h = x;
      for (int i = 0; i < convs.length; i++) {
        h = g.conv(h, (Conv2d) convs[i], i == convs.length - 1 ? bn : null);
      }
      return g.relu(h);
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      return List.of(toOnnx(g, inputs.get(0)));
    }

    Shape init(NDManager manager, DataType dataType, Shape x) {
      Shape s = x;
      for (Block c : convs) {
        s = Layers.init(c, manager, dataType, s);
      }
      Layers.init(bn, manager, dataType, s);
      return s;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape[] s = inputShapes;
      for (Block c : convs) {
        s = c.getOutputShapes(s);
      }
      return s;
    }
  }
}
