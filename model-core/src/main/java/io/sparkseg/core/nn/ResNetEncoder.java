package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;

/**
 * ResNet-18/34/50 as a feature encoder, in torchvision's exact structure and parameter names
 * ({@code conv1}, {@code bn1}, {@code layer1.0.conv1}, {@code layer2.0.downsample.0}, ...), so
 * torchvision checkpoints load by name ({@link TorchWeights}). The forward pass returns the five
 * stages smp's decoders use: relu(bn1(conv1)) at 1/2, layer1 at 1/4, layer2 1/8, layer3 1/16,
 * layer4 1/32. A shallower {@code depth} builds and returns only the first stages (PSPNet uses
 * 3); output stride 16 keeps layer4 at 1/16 with dilation 2 instead of stride 2, as smp's
 * {@code make_dilated} does for DeepLabV3+.
 */
public final class ResNetEncoder extends AbstractBlock implements Encoder, OnnxExportable {
  /** The supported depths. */
  public enum Variant {
    RESNET18("resnet18", false, 2, 2, 2, 2),
    RESNET34("resnet34", false, 3, 4, 6, 3),
    RESNET50("resnet50", true, 3, 4, 6, 3);

    private final String smpName;
    private final boolean bottleneck;
    private final int[] blocks;

    Variant(String smpName, boolean bottleneck, int... blocks) {
      this.smpName = smpName;
      this.bottleneck = bottleneck;
      this.blocks = blocks;
    }

    /** smp's / timm's encoder name, e.g. {@code resnet34}. */
    public String smpName() {
      return smpName;
    }

    /** Parses an smp encoder name. */
    public static Variant of(String name) {
      for (Variant v : values()) {
        if (v.smpName.equalsIgnoreCase(name)) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown ResNet encoder '" + name + "'; expected one of "
          + Arrays.stream(values()).map(Variant::smpName).toList());
    }
  }

  private final Variant variant;
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final ResLayer[] layers;
  private final int[] outChannels;
  private final int[] strides;

  public ResNetEncoder(Variant variant) {
    this(variant, 5, 32);
  }

  /** {@code depth} stages (2..5) at output stride 32 or 16 (layer4 dilated). */
  public ResNetEncoder(Variant variant, int depth, int outputStride) {
    if (depth < 2 || depth > 5 || (outputStride != 32 && outputStride != 16)) {
      throw new IllegalArgumentException("encoder depth must be 2..5 and output stride 16 or 32,"
          + " got " + depth + " and " + outputStride);
    }
    this.variant = variant;
    conv1 = addChildBlock("conv1", Layers.conv(64, 7, 2, false));
    bn1 = addChildBlock("bn1", Layers.bn());
    int expansion = variant.bottleneck ? 4 : 1;
    int in = 64;
    layers = new ResLayer[depth - 1];
    outChannels = new int[depth];
    strides = new int[depth];
    outChannels[0] = 64;
    strides[0] = 2;
    for (int i = 0; i < depth - 1; i++) {
      int width = 64 << i;
      boolean dilate = i == 3 && outputStride == 16;
      int stride = i == 0 || dilate ? 1 : 2;
      layers[i] = addChildBlock("layer" + (i + 1), new ResLayer(variant.bottleneck, in, width,
          variant.blocks[i], stride, dilate ? 2 : 1));
      in = width * expansion;
      outChannels[i + 1] = in;
      strides[i + 1] = i == 0 ? 4 : strides[i] * stride;
    }
  }

  public Variant variant() {
    return variant;
  }

  @Override
  public int[] outChannels() {
    return outChannels.clone();
  }

  @Override
  public String name() {
    return variant.smpName();
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray s1 = Activation.relu(Layers.run(bn1, ps, Layers.run(conv1, ps, x, training),
        training));
    NDArray h = Pool.maxPool2d(s1, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
    NDList out = new NDList(s1);
    for (ResLayer layer : layers) {
      h = Layers.run(layer, ps, h, training);
      out.add(h);
    }
    return out;
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
    String s1 = g.relu(g.conv(inputs.get(0), conv1, bn1));
    String h = g.maxPool(s1, 3, 2, 1);
    List<String> out = new java.util.ArrayList<>(List.of(s1));
    for (int i = 0; i < layers.length; i++) {
      try (OnnxGraph.Scope scope = g.scope("layer" + (i + 1))) {
        h = Layers.onnx(g, layers[i], h);
      }
      out.add(h);
    }
    return out;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape s = inputShapes[0];
    if (s.get(1) != 3) {
      throw new IllegalArgumentException(name() + " expects 3 input channels, got shape " + s);
    }
    s = Layers.init(conv1, manager, dataType, s);
    Layers.init(bn1, manager, dataType, s);
    s = Layers.strided(s, s.get(1), 2); // max pool
    for (ResLayer layer : layers) {
      s = Layers.init(layer, manager, dataType, s);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    Shape[] out = new Shape[outChannels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Layers.strided(in, outChannels[i], strides[i]);
    }
    return out;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "ResNetEncoder[%s]", variant.smpName());
  }

  /** torchvision's {@code layerN}: residual blocks named 0, 1, ... */
  static final class ResLayer extends AbstractBlock implements OnnxExportable {
    private final AbstractBlock[] blocks;

    ResLayer(boolean bottleneck, int in, int width, int count, int stride, int dilation) {
      blocks = new AbstractBlock[count];
      int expansion = bottleneck ? 4 : 1;
      for (int i = 0; i < count; i++) {
        int blockIn = i == 0 ? in : width * expansion;
        int s = i == 0 ? stride : 1;
        blocks[i] = addChildBlock(String.valueOf(i), bottleneck
            ? new Bottleneck(blockIn, width, s, dilation)
            : new BasicBlock(blockIn, width, s, dilation));
      }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      for (AbstractBlock b : blocks) {
        x = Layers.run(b, ps, x, training);
      }
      return new NDList(x);
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      return List.of(Layers.onnxChain(g, blocks, inputs.get(0)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = inputShapes[0];
      for (AbstractBlock b : blocks) {
        s = Layers.init(b, manager, dataType, s);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape s = inputShapes[0];
      for (AbstractBlock b : blocks) {
        s = b.getOutputShapes(new Shape[] {s})[0];
      }
      return new Shape[] {s};
    }
  }

  /** torchvision's {@code downsample}: 1×1 strided convolution "0" and BatchNorm "1". */
  static Blocks.ConvBnAct downsample(int out, int stride) {
    return new Blocks.ConvBnAct(Conv2d.builder().setKernelShape(new Shape(1, 1))
        .optStride(new Shape(stride, stride)).setFilters(out).optBias(false).build(), true,
        Blocks.Act.NONE);
  }

  /** torchvision's BasicBlock (ResNet-18/34). */
  static final class BasicBlock extends AbstractBlock implements OnnxExportable {
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Blocks.ConvBnAct downsample;
    private final int out;
    private final int stride;

    BasicBlock(int in, int width, int stride, int dilation) {
      this.out = width;
      this.stride = stride;
      conv1 = addChildBlock("conv1", Layers.conv(width, 3, stride, dilation, 1, false));
      bn1 = addChildBlock("bn1", Layers.bn());
      conv2 = addChildBlock("conv2", Layers.conv(width, 3, 1, dilation, 1, false));
      bn2 = addChildBlock("bn2", Layers.bn());
      downsample = stride != 1 || in != width ? addChildBlock("downsample",
          downsample(width, stride)) : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      NDArray h = Activation.relu(Layers.run(bn1, ps, Layers.run(conv1, ps, x, training),
          training));
      h = Layers.run(bn2, ps, Layers.run(conv2, ps, h, training), training);
      NDArray identity = downsample == null ? x : Layers.run(downsample, ps, x, training);
      return new NDList(Activation.relu(h.add(identity)));
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = inputs.get(0);
      String h = g.conv(g.relu(g.conv(x, conv1, bn1)), conv2, bn2);
      String identity = downsample == null ? x : Layers.onnx(g, downsample, x);
      return List.of(g.relu(g.add(h, identity)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = Layers.init(conv1, manager, dataType, inputShapes[0]);
      Layers.init(bn1, manager, dataType, s);
      Layers.init(bn2, manager, dataType, Layers.init(conv2, manager, dataType, s));
      if (downsample != null) {
        Layers.init(downsample, manager, dataType, inputShapes[0]);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {Layers.strided(inputShapes[0], out, stride)};
    }
  }

  /** torchvision's Bottleneck (ResNet-50; stride on the 3×3 convolution, "ResNet v1.5"). */
  static final class Bottleneck extends AbstractBlock implements OnnxExportable {
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d conv3;
    private final BatchNorm bn3;
    private final Blocks.ConvBnAct downsample;
    private final int out;
    private final int stride;

    Bottleneck(int in, int width, int stride, int dilation) {
      this.out = width * 4;
      this.stride = stride;
      conv1 = addChildBlock("conv1", Layers.conv(width, 1, 1, false));
      bn1 = addChildBlock("bn1", Layers.bn());
      conv2 = addChildBlock("conv2", Layers.conv(width, 3, stride, dilation, 1, false));
      bn2 = addChildBlock("bn2", Layers.bn());
      conv3 = addChildBlock("conv3", Layers.conv(out, 1, 1, false));
      bn3 = addChildBlock("bn3", Layers.bn());
      downsample = stride != 1 || in != out ? addChildBlock("downsample",
          downsample(out, stride)) : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      NDArray h = Activation.relu(Layers.run(bn1, ps, Layers.run(conv1, ps, x, training),
          training));
      h = Activation.relu(Layers.run(bn2, ps, Layers.run(conv2, ps, h, training), training));
      h = Layers.run(bn3, ps, Layers.run(conv3, ps, h, training), training);
      NDArray identity = downsample == null ? x : Layers.run(downsample, ps, x, training);
      return new NDList(Activation.relu(h.add(identity)));
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = inputs.get(0);
      String h = g.relu(g.conv(x, conv1, bn1));
      h = g.conv(g.relu(g.conv(h, conv2, bn2)), conv3, bn3);
      String identity = downsample == null ? x : Layers.onnx(g, downsample, x);
      return List.of(g.relu(g.add(h, identity)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = Layers.init(conv1, manager, dataType, inputShapes[0]);
      Layers.init(bn1, manager, dataType, s);
      s = Layers.init(conv2, manager, dataType, s);
      Layers.init(bn2, manager, dataType, s);
      s = Layers.init(conv3, manager, dataType, s);
      Layers.init(bn3, manager, dataType, s);
      if (downsample != null) {
        Layers.init(downsample, manager, dataType, inputShapes[0]);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {Layers.strided(inputShapes[0], out, stride)};
    }
  }
}
