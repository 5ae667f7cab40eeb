package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/**
 * smp's FPN decoder: a top-down pyramid ({@code p5} 1×1 from the deepest stage, then
 * {@code p4..p2} each = 2× upsampled coarser level + 1×1 lateral {@code skip_conv} of the
 * encoder stage), a segmentation block per level (3×3 conv, GroupNorm(32), ReLU, ×2 bilinear
 * upsampling until stride 4), summed, then channel dropout. Output at stride 4; the model's
 * head (1×1) upsamples ×4. DJL's bilinear interpolation uses align_corners=false where smp uses
 * true; models trained here are unaffected.
 */
public final class FpnDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private final Conv2d p5;
  private final FpnBlock[] lateral = new FpnBlock[3];
  private final Blocks.ModuleList segBlocks;
  private final int segmentationChannels;
  private final float dropout;

  public FpnDecoder(int[] encoderChannels, int pyramidChannels, int segmentationChannels,
      float dropout) {
    this.segmentationChannels = segmentationChannels;
    this.dropout = dropout;
    p5 = addChildBlock("p5", Conv2d.builder().setKernelShape(new Shape(1, 1))
        .setFilters(pyramidChannels).build());
    for (int i = 0; i < 3; i++) {
      lateral[i] = addChildBlock("p" + (4 - i), new FpnBlock(pyramidChannels));
    }
    SegBlock[] seg = new SegBlock[4];
    for (int i = 0; i < 4; i++) {
      seg[i] = new SegBlock(segmentationChannels, 3 - i);
    }
    segBlocks = addChildBlock("seg_blocks", new Blocks.ModuleList(seg));
  }

  @Override
  public int outChannels() {
    return segmentationChannels;
  }

  @Override
  public int outStride() {
    return 4;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList f, boolean training,
      PairList<String, Object> params) {
    NDArray[] p = new NDArray[4];
    p[0] = Layers.run(p5, ps, f.get(4), training);
    for (int i = 0; i < 3; i++) {
      p[i + 1] = lateral[i].forward(ps, p[i], f.get(3 - i), training);
    }
    NDArray sum = null;
    for (int i = 0; i < 4; i++) {
      NDArray s = Layers.run(segBlocks.get(i), ps, p[i], training);
      sum = sum == null ? s : sum.add(s);
    }
    return new NDList(Blocks.channelDropout(sum, dropout, training));
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> f) {
    String[] p = new String[4];
    p[0] = g.conv(f.get(4), p5, null);
    for (int i = 0; i < 3; i++) {
      try (OnnxGraph.Scope scope = g.scope("p" + (4 - i))) {
        p[i + 1] = g.add(g.upsample(p[i], 2, false), g.conv(f.get(3 - i), lateral[i].skipConv,
            null));
      }
    }
    String sum = null;
    for (int i = 0; i < 4; i++) {
      try (OnnxGraph.Scope scope = g.scope("seg_blocks." + i)) {
        String s = Layers.onnx(g, segBlocks.get(i), p[i]);
        sum = sum == null ? s : g.add(sum, s);
      }
    }
    return List.of(sum);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... f) {
    Shape p = Layers.init(p5, manager, dataType, f[4]);
    Shape[] levels = new Shape[4];
    levels[0] = p;
    for (int i = 0; i < 3; i++) {
      p = lateral[i].init(manager, dataType, p, f[3 - i]);
      levels[i + 1] = p;
    }
    for (int i = 0; i < 4; i++) {
      Layers.init(segBlocks.get(i), manager, dataType, levels[i]);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] f) {
    Shape s = f[1];
    return new Shape[] {new Shape(s.get(0), segmentationChannels, s.get(2), s.get(3))};
  }

  /** smp's FPNBlock: nearest ×2 of the coarser level + 1×1 {@code skip_conv} of the stage. */
  static final class FpnBlock extends AbstractBlock {
    private final Conv2d skipConv;

    FpnBlock(int pyramidChannels) {
      skipConv = addChildBlock("skip_conv", Conv2d.builder().setKernelShape(new Shape(1, 1))
          .setFilters(pyramidChannels).build());
    }

    NDArray forward(ParameterStore ps, NDArray coarse, NDArray skip, boolean training) {
      Shape s = skip.getShape();
      return Blocks.upsampleNearest(coarse, s.get(2), s.get(3))
          .add(Layers.run(skipConv, ps, skip, training));
    }

    Shape init(NDManager manager, DataType dataType, Shape coarse, Shape skip) {
      return Layers.init(skipConv, manager, dataType, skip);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return skipConv.getOutputShapes(new Shape[] {inputShapes[1]});
    }
  }

  /**
   * smp's SegmentationBlock: {@code block.i.block} = 3×3 conv "0", GroupNorm "1", ReLU, then ×2
   * upsampling when the level is coarser than stride 4.
   */
  static final class SegBlock extends AbstractBlock implements OnnxExportable {
    private final Conv2d[] convs;
    private final GroupNorm[] norms;
    private final int upsamples;
    private final int out;

    SegBlock(int out, int upsamples) {
      this.out = out;
      this.upsamples = upsamples;
      int n = Math.max(1, upsamples);
      convs = new Conv2d[n];
      norms = new GroupNorm[n];
      Blocks.ModuleList[] items = new Blocks.ModuleList[n];
      for (int i = 0; i < n; i++) {
        convs[i] = Layers.conv(out, 3, 1, false);
        norms[i] = new GroupNorm(32);
        items[i] = Blocks.ModuleList.named("block", new Blocks.ModuleList(convs[i], norms[i]));
      }
      addChildBlock("block", new Blocks.ModuleList(items));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
        PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      for (int i = 0; i < convs.length; i++) {
        x = Activation.relu(Layers.run(norms[i], ps, Layers.run(convs[i], ps, x, training),
            training));
        if (upsamples > 0) {
          Shape s = x.getShape();
          x = Blocks.upsampleBilinear(x, s.get(2) * 2, s.get(3) * 2);
        }
      }
      return new NDList(x);
    }

    @Override
    public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
      String x = inputs.get(0);
      for (int i = 0; i < convs.length; i++) {
        x = g.relu(Layers.onnx(g, norms[i], g.conv(x, convs[i], null)));
        if (upsamples > 0) {
          x = g.upsample(x, 2, true);
        }
      }
      return List.of(x);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType,
        Shape... inputShapes) {
      Shape s = inputShapes[0];
      for (int i = 0; i < convs.length; i++) {
        s = Layers.init(convs[i], manager, dataType, s);
        Layers.init(norms[i], manager, dataType, s);
        if (upsamples > 0) {
          s = new Shape(s.get(0), s.get(1), s.get(2) * 2, s.get(3) * 2);
        }
      }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape s = inputShapes[0];
      long k = 1L << upsamples;
      return new Shape[] {new Shape(s.get(0), out, s.get(2) * k, s.get(3) * k)};
    }
  }
}
