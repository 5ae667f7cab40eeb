package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * smp's PSPNet decoder on a depth-3 encoder (stride 8): the pyramid pooling module averages
 * the feature map into 1×1, 2×2, 3×3 and 6×6 bins ({@code psp.blocks.i}: pool, 1×1 conv-BN-ReLU
 * to a quarter of the channels; no BatchNorm at 1×1), upsamples each back (bilinear) and
 * concatenates them with the input; {@code conv} (1×1 conv-BN-ReLU) gives 512 channels; then
 * channel dropout. Output at stride 8; the head (3×3) upsamples ×8.
 */
public final class PspDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private static final int[] SIZES = {1, 2, 3, 6};
  private final Blocks.ConvBnAct[] pools = new Blocks.ConvBnAct[SIZES.length];
  private final Blocks.ConvBnAct conv;
  private final int out;
  private final float dropout;

  public PspDecoder(int[] encoderChannels, int outChannels, float dropout) {
    this.out = outChannels;
    this.dropout = dropout;
    int in = encoderChannels[encoderChannels.length - 1];
    Blocks.ModuleList[] blocks = new Blocks.ModuleList[SIZES.length];
    for (int i = 0; i < SIZES.length; i++) {
      pools[i] = Blocks.ConvBnAct.relu(in / SIZES.length, 1, SIZES[i] != 1);
      // smp: pool = Sequential(AdaptiveAvgPool2d, Conv2dReLU) -> the conv block is "pool.1"
      blocks[i] = Blocks.ModuleList.named("pool", new Blocks.ModuleList(new String[] {"1"},
          pools[i]));
    }
    addChildBlock("psp", Blocks.ModuleList.named("blocks", new Blocks.ModuleList(blocks)));
    conv = addChildBlock("conv", new Blocks.ConvBnAct(outChannels, 1, 1));
  }

  @Override
  public int outChannels() {
    return out;
  }

  @Override
  public int outStride() {
    return 8;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList f, boolean training,
      PairList<String, Object> params) {
    NDArray x = f.get(f.size() - 1);
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDList parts = new NDList();
    for (int i = 0; i < SIZES.length; i++) {
      NDArray p = Layers.run(pools[i], ps, Blocks.adaptiveAvgPool(x, SIZES[i]), training);
      parts.add(Blocks.upsampleBilinear(p, h, w));
    }
    parts.add(x);
    NDArray y = Layers.run(conv, ps, NDArrays.concat(parts, 1), training);
    return new NDList(Blocks.channelDropout(y, dropout, training));
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> f) {
    String x = f.get(f.size() - 1);
    List<String> parts = new java.util.ArrayList<>();
    for (int i = 0; i < SIZES.length; i++) {
      try (OnnxGraph.Scope scope = g.scope("psp.blocks." + i)) {
        String p = Layers.onnx(g, pools[i], g.adaptiveAvgPool(x, SIZES[i]));
        parts.add(g.resizeLike(p, x));
      }
    }
    parts.add(x);
    return List.of(Layers.onnx(g, conv, g.concat(parts, 1)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... f) {
    Shape x = f[f.length - 1];
    for (int i = 0; i < SIZES.length; i++) {
      Layers.init(pools[i], manager, dataType, new Shape(x.get(0), x.get(1), SIZES[i], SIZES[i]));
    }
    Layers.init(conv, manager, dataType, new Shape(x.get(0), x.get(1) * 2, x.get(2), x.get(3)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] f) {
    Shape x = f[f.length - 1];
    return new Shape[] {new Shape(x.get(0), out, x.get(2), x.get(3))};
  }
}
