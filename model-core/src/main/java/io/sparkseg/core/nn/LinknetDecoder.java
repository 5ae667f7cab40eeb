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
 * smp's LinkNet decoder: from the deepest stage up, each block is 1×1 conv-BN-ReLU to a quarter
 * of the channels ({@code block.0}), ×2 upsampling ({@code block.1}), 1×1 conv-BN-ReLU to the
 * next stage's channels ({@code block.2}), plus the skip connection (added, not concatenated).
 * smp upsamples with a 4×4 transposed convolution, which DJL's PyTorch engine does not
 * implement; here {@code block.1} is nearest ×2 then 3×3 conv-BN-ReLU (so smp LinkNet weights do
 * not load into {@code block.1}).
 */
public final class LinknetDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private final Blocks.ModuleList blocks;
  private final int prefinal;

  public LinknetDecoder(int[] encoderChannels, int prefinalChannels) {
    this.prefinal = prefinalChannels;
    int[] channels = {encoderChannels[4], encoderChannels[3], encoderChannels[2],
        encoderChannels[1], encoderChannels[0], prefinalChannels};
    LinkBlock[] b = new LinkBlock[5];
    for (int i = 0; i < 5; i++) {
      b[i] = new LinkBlock(channels[i], channels[i + 1]);
    }
    blocks = addChildBlock("blocks", new Blocks.ModuleList(b));
  }

  @Override
  public int outChannels() {
    return prefinal;
  }

  @Override
  public int outStride() {
    return 1;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList f, boolean training,
      PairList<String, Object> params) {
    NDArray x = f.get(4);
    for (int i = 0; i < 5; i++) {
      x = Layers.run(blocks.get(i), ps, x, training);
      if (i < 4) {
        x = x.add(f.get(3 - i));
      }
    }
    return new NDList(x);
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> f) {
    String x = f.get(4);
    for (int i = 0; i < 5; i++) {
      try (OnnxGraph.Scope scope = g.scope("blocks." + i)) {
        x = Layers.onnx(g, blocks.get(i), x);
        if (i < 4) {
          x = g.add(x, f.get(3 - i));
        }
      }
    }
    return List.of(x);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... f) {
    Shape s = f[4];
    for (int i = 0; i < 5; i++) {
      s = Layers.init(blocks.get(i), manager, dataType, s);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] f) {
    Shape s = f[0];
    return new Shape[] {new Shape(s.get(0), prefinal, s.get(2) * 2, s.get(3) * 2)};
  }

  /** One LinkNet decoder block, {@code block.0..2}. */
  static final class LinkBlock extends AbstractBlock implements OnnxExportable {
    private final Blocks.ConvBnAct reduce;
    private final Blocks.ConvBnAct up;
    private final Blocks.ConvBnAct expand;
    private final int out;

    LinkBlock(int in, int out) {
      this.out = out;
      reduce = new Blocks.ConvBnAct(in / 4, 1, 1);
      up = new Blocks.ConvBnAct(in / 4, 3, 1);
      expand = new Blocks.ConvBnAct(out, 1, 1);
      addChildBlock("block", new Blocks.ModuleList(reduce, up, expand));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = Layers.run(reduce, ps, inputs.singletonOrThrow(), training);
      Shape s = x.getShape();
      x = Layers.run(up, ps, Blocks.upsampleNearest(x, s.get(2) * 2, s.get(3) * 2), training);
      return new NDList(Layers.run(expand, ps, x, training));
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = Layers.onnx(g, reduce, inputs.get(0));
      x = Layers.onnx(g, up, g.upsample(x, 2, false));
      return List.of(Layers.onnx(g, expand, x));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = Layers.init(reduce, manager, dataType, inputShapes[0]);
      s = Layers.init(up, manager, dataType, new Shape(s.get(0), s.get(1), s.get(2) * 2,
          s.get(3) * 2));
      Layers.init(expand, manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape s = inputShapes[0];
      return new Shape[] {new Shape(s.get(0), out, s.get(2) * 2, s.get(3) * 2)};
    }
  }
}
