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

/** Decoder building blocks with smp's module names. */
final class Blocks {
  private Blocks() {}

  /** Nearest-neighbour upsampling of an NCHW array to {@code h × w} (smp's default). */
  static NDArray upsampleNearest(NDArray x, long h, long w) {
    return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
  }

  /** Bilinear upsampling (align_corners=false), as smp's FPN/DeepLab heads use. */
  static NDArray upsampleBilinear(NDArray x, long h, long w) {
    return x.getNDArrayInternal().interpolation(new long[] {h, w}, 1, false);
  }

  /**
   * Adaptive average pooling to {@code size × size} bins (PyTorch's bin edges: floor(i·n/s) to
   * ceil((i+1)·n/s)), which DJL lacks; differentiable (slices and means).
   */
  static NDArray adaptiveAvgPool(NDArray x, int size) {
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDList rows = new NDList();
    for (int i = 0; i < size; i++) {
      long r0 = i * h / size;
      long r1 = ((i + 1) * h + size - 1) / size;
      NDList cols = new NDList();
      for (int j = 0; j < size; j++) {
        long c0 = j * w / size;
        long c1 = ((j + 1) * w + size - 1) / size;
        cols.add(x.get(new ai.djl.ndarray.index.NDIndex(":, :, {}:{}, {}:{}", r0, r1, c0, c1))
            .mean(new int[] {3}, true).mean(new int[] {2}, true));
      }
      rows.add(NDArrays.concat(cols, 3));
    }
    return NDArrays.concat(rows, 2);
  }

  /** Dropout2d: whole channels zeroed with probability p while training, the rest scaled. */
  static NDArray channelDropout(NDArray x, float p, boolean training) {
    if (!training || p <= 0) {
      return x;
    }
    Shape s = x.getShape();
    NDArray keep = x.getManager().randomUniform(0f, 1f, new Shape(s.get(0), s.get(1), 1, 1))
        .gt(p).toType(x.getDataType(), false);
    return x.mul(keep).div(1 - p);
  }

  /** The activation after a {@link ConvBnAct}. */
  enum Act { NONE, RELU, RELU6 }

  /**
   * A convolution "0", BatchNorm "1" (optional: without it the convolution has a bias) and an
   * activation: smp's Conv2dReLU, torchvision's Conv2dNormActivation (ReLU6) and ResNet's
   * {@code downsample} (no activation) alike.
   */
  static final class ConvBnAct extends AbstractBlock implements OnnxExportable {
    private final Conv2d conv;
    private final BatchNorm bn;
    private final Act act;

    /** conv-BN-ReLU with a k×k convolution (smp's Conv2dReLU). */
    ConvBnAct(int out, int kernel, int stride) {
      this(Layers.conv(out, kernel, stride, false), true, Act.RELU);
    }

    /** {@code conv} must have a bias exactly when there is no BatchNorm. */
    ConvBnAct(Conv2d conv, boolean batchNorm, Act act) {
      this.conv = addChildBlock("0", conv);
      this.bn = batchNorm ? addChildBlock("1", Layers.bn()) : null;
      this.act = act;
    }

    /** smp's Conv2dReLU with use_batchnorm as given (no BatchNorm: the convolution has a bias). */
    static ConvBnAct relu(int out, int kernel, boolean batchNorm) {
      return new ConvBnAct(Layers.conv(out, kernel, 1, !batchNorm), batchNorm, Act.RELU);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = Layers.run(conv, ps, inputs.singletonOrThrow(), training);
      if (bn != null) {
        x = Layers.run(bn, ps, x, training);
      }
      return new NDList(switch (act) {
        case NONE -> x;
        case RELU -> Activation.relu(x);
        case RELU6 -> x.clip(0f, 6f);
      });
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = g.conv(inputs.get(0), conv, bn);
      return List.of(switch (act) {
        case NONE -> x;
        case RELU -> g.relu(x);
        case RELU6 -> g.clip(x, 0f, 6f);
      });
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = Layers.init(conv, manager, dataType, inputShapes[0]);
      if (bn != null) {
        Layers.init(bn, manager, dataType, s);
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return conv.getOutputShapes(inputShapes);
    }
  }

  /**
   * Child blocks under given names, for PyTorch's module paths (ModuleList: "0", "1", ...;
   * Sequential; an attribute name); no forward of its own.
   */
  static final class ModuleList extends AbstractBlock {
    private final Block[] items;

    ModuleList(Block... items) {
      this(null, items);
    }

    /** Children named {@code names[i]}, or "i" when names is null. */
    ModuleList(String[] names, Block... items) {
      this.items = items.clone();
      for (int i = 0; i < items.length; i++) {
        addChildBlock(names == null ? String.valueOf(i) : names[i], items[i]);
      }
    }

    /** One child under {@code name}. */
    static ModuleList named(String name, Block child) {
      return new ModuleList(new String[] {name}, child);
    }

    Block get(int i) {
      return items[i];
    }

    int size() {
      return items.length;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      throw new UnsupportedOperationException("a ModuleList is a container; its owner runs it");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      throw new UnsupportedOperationException("a ModuleList is a container; its owner runs it");
    }
  }

  /** smp's SegmentationHead: "0" a k×k convolution with bias to the class logits. */
  static final class SegmentationHead extends AbstractBlock implements OnnxExportable {
    private final Conv2d conv;
    private final int classes;

    SegmentationHead(int classes, int kernel) {
      this.classes = classes;
      conv = addChildBlock("0", Layers.conv(classes, kernel, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      return new NDList(Layers.run(conv, ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      return List.of(g.conv(inputs.get(0), conv, null));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Layers.init(conv, manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {Layers.strided(inputShapes[0], classes, 1)};
    }
  }
}
