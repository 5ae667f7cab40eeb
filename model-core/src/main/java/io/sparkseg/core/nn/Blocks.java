package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
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

  /** smp's Conv2dReLU: "0" conv (no bias), "1" BatchNorm, then ReLU. */
  static final class ConvBnRelu extends AbstractBlock {
    private final Conv2d conv;
    private final BatchNorm bn;
    private final int out;
    private final int stride;

    ConvBnRelu(int out, int kernel, int stride) {
      this.out = out;
      this.stride = stride;
      conv = addChildBlock("0", Layers.conv(out, kernel, stride, false));
      bn = addChildBlock("1", Layers.bn());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = Layers.run(conv, ps, inputs.singletonOrThrow(), training);
      return new NDList(Activation.relu(Layers.run(bn, ps, x, training)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Layers.init(bn, manager, dataType, Layers.init(conv, manager, dataType, inputShapes[0]));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {Layers.strided(inputShapes[0], out, stride)};
    }
  }

  /** A list of child blocks named "0", "1", ... (PyTorch's ModuleList); no forward of its own. */
  static final class ModuleList extends AbstractBlock {
    private final Block[] items;

    ModuleList(Block... items) {
      this.items = items.clone();
      for (int i = 0; i < items.length; i++) {
        addChildBlock(String.valueOf(i), items[i]);
      }
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

  /** smp's SegmentationHead: "0" a 3×3 convolution with bias to the class logits. */
  static final class SegmentationHead extends AbstractBlock {
    private final Conv2d conv;
    private final int classes;

    SegmentationHead(int classes) {
      this.classes = classes;
      conv = addChildBlock("0", Layers.conv(classes, 3, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      return new NDList(Layers.run(conv, ps, inputs.singletonOrThrow(), training));
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
