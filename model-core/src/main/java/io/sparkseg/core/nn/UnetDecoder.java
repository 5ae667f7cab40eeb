package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/**
 * smp's U-Net decoder: from the deepest feature map up, each block upsamples ×2 (nearest;
 * DJL's PyTorch engine has no transposed convolution), concatenates the skip connection of the
 * same resolution, then applies two conv-BN-ReLU ({@code blocks.i.conv1}, {@code blocks.i.conv2}).
 * The last block has no skip and returns full resolution.
 */
public final class UnetDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private final Blocks.ModuleList blocks;
  private final int[] decoderChannels;

  public UnetDecoder(int[] encoderChannels, int[] decoderChannels) {
    if (encoderChannels.length != 5 || decoderChannels.length != 5) {
      throw new IllegalArgumentException("U-Net needs 5 encoder stages and 5 decoder channels");
    }
    this.decoderChannels = decoderChannels.clone();
    DecoderBlock[] b = new DecoderBlock[5];
    for (int i = 0; i < 5; i++) {
      b[i] = new DecoderBlock(decoderChannels[i]);
    }
    blocks = addChildBlock("blocks", new Blocks.ModuleList(b));
  }

  @Override
  public int outChannels() {
    return decoderChannels[4];
  }

  @Override
  public int outStride() {
    return 1;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList features, boolean training,
      PairList<String, Object> params) {
    NDArray x = features.get(4);
    for (int i = 0; i < 5; i++) {
      NDArray skip = i < 4 ? features.get(3 - i) : null;
      x = ((DecoderBlock) blocks.get(i)).forward(ps, x, skip, training);
    }
    return new NDList(x);
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> features) {
    String x = features.get(4);
    for (int i = 0; i < 5; i++) {
      try (OnnxGraph.Scope scope = g.scope("blocks." + i)) {
        x = ((DecoderBlock) blocks.get(i)).toOnnx(g, x, i < 4 ? features.get(3 - i) : null);
      }
    }
    return List.of(x);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType,
      Shape... features) {
    Shape x = features[4];
    for (int i = 0; i < 5; i++) {
      Shape skip = i < 4 ? features[3 - i] : null;
      x = ((DecoderBlock) blocks.get(i)).init(manager, dataType, x, skip);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] features) {
    Shape s = features[0];
    return new Shape[] {new Shape(s.get(0), decoderChannels[4], s.get(2) * 2, s.get(3) * 2)};
  }

  /** One U-Net decoder block. */
  static final class DecoderBlock extends AbstractBlock implements OnnxExportable {
    private final Blocks.ConvBnAct conv1;
    private final Blocks.ConvBnAct conv2;

    DecoderBlock(int out) {
      conv1 = addChildBlock("conv1", new Blocks.ConvBnAct(out, 3, 1));
      conv2 = addChildBlock("conv2", new Blocks.ConvBnAct(out, 3, 1));
    }

    NDArray forward(ParameterStore ps, NDArray x, NDArray skip, boolean training) {
      Shape s = x.getShape();
      NDArray h = Blocks.upsampleNearest(x, s.get(2) * 2, s.get(3) * 2);
      if (skip != null) {
        h = h.concat(skip, 1);
      }
      h = Layers.run(conv1, ps, h, training);
      return Layers.run(conv2, ps, h, training);
    }

    String toOnnx(OnnxGraph g, String x, String skip) {
      String h = g.upsample(x, 2, false);
      if (skip != null) {
        h = g.concat(List.of(h, skip), 1);
      }
      return Layers.onnx(g, conv2, Layers.onnx(g, conv1, h));
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      return List.of(toOnnx(g, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null));
    }

    Shape init(NDManager manager, DataType dataType, Shape x, Shape skip) {
      long channels = x.get(1) + (skip == null ? 0 : skip.get(1));
      Shape in = new Shape(x.get(0), channels, x.get(2) * 2, x.get(3) * 2);
      return Layers.init(conv2, manager, dataType, Layers.init(conv1, manager, dataType, in));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      return new NDList(forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null,
          training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return conv2.getOutputShapes(conv1.getOutputShapes(new Shape[] {new Shape(
          inputShapes[0].get(0), inputShapes[0].get(1), inputShapes[0].get(2) * 2,
          inputShapes[0].get(3) * 2)}));
    }
  }
}
