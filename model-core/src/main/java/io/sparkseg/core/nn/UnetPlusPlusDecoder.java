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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * smp's U-Net++ decoder: nested, densely connected skip pathways. Node {@code x_d_l} (a U-Net
 * decoder block: nearest ×2, concatenate, two conv-BN-ReLU) takes the node below it and every
 * earlier node at its resolution plus the encoder stage; {@code x_0_4} returns full resolution.
 * Channel bookkeeping and names ({@code blocks.x_d_l}) follow smp exactly.
 */
public final class UnetPlusPlusDecoder extends AbstractBlock implements Decoder, OnnxExportable {
  private final Map<String, UnetDecoder.DecoderBlock> blocks = new LinkedHashMap<>();
  private final int depth = 4;
  private final int out;

  public UnetPlusPlusDecoder(int[] encoderChannels, int[] decoderChannels) {
    int[] enc = {encoderChannels[4], encoderChannels[3], encoderChannels[2], encoderChannels[1],
        encoderChannels[0]};
    int[] skip = {enc[1], enc[2], enc[3], enc[4], 0};
    out = decoderChannels[4];
    for (int layer = 0; layer < 4; layer++) {
      for (int d = 0; d <= layer; d++) {
        int outCh = d == 0 ? decoderChannels[layer] : skip[layer];
        blocks.put("x_" + d + "_" + layer, new UnetDecoder.DecoderBlock(outCh));
      }
    }
    blocks.put("x_0_4", new UnetDecoder.DecoderBlock(decoderChannels[4]));
    List<String> names = new ArrayList<>(blocks.keySet());
    addChildBlock("blocks", new Blocks.ModuleList(names.toArray(String[]::new),
        blocks.values().toArray(new UnetDecoder.DecoderBlock[0])));
  }

  @Override
  public int outChannels() {
    return out;
  }

  @Override
  public int outStride() {
    return 1;
  }

  /** One node evaluation: the block's input and its concatenated skips (null for none). */
  private interface Node<T> {
    T apply(String name, T x, List<T> skips);
  }

  /** smp's dense evaluation order, for arrays (forward) and shapes (initialization) alike. */
  private <T> T dense(List<T> features, Node<T> node) {
    Map<String, T> dense = new LinkedHashMap<>();
    for (int layer = 0; layer < depth; layer++) {
      for (int d = 0; d < depth - layer; d++) {
        if (layer == 0) {
          String name = "x_" + d + "_" + d;
          dense.put(name, node.apply(name, features.get(d), List.of(features.get(d + 1))));
        } else {
          int l = d + layer;
          List<T> cat = new ArrayList<>();
          for (int idx = d + 1; idx <= l; idx++) {
            cat.add(dense.get("x_" + idx + "_" + l));
          }
          cat.add(features.get(l + 1));
          String name = "x_" + d + "_" + l;
          dense.put(name, node.apply(name, dense.get("x_" + d + "_" + (l - 1)), cat));
        }
      }
    }
    return node.apply("x_0_" + depth, dense.get("x_0_" + (depth - 1)), List.of());
  }

  private static <T> List<T> reversed(List<T> f) {
    List<T> r = new ArrayList<>(f);
    java.util.Collections.reverse(r);
    return r;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList f, boolean training,
      PairList<String, Object> params) {
    NDArray y = dense(reversed(new ArrayList<>(f)), (name, x, skips) -> {
      NDArray skip = skips.isEmpty() ? null : skips.size() == 1 ? skips.get(0)
          : ai.djl.ndarray.NDArrays.concat(new NDList(skips), 1);
      return blocks.get(name).forward(ps, x, skip, training);
    });
    return new NDList(y);
  }

  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> f) {
    return List.of(dense(reversed(f), (name, x, skips) -> {
      try (OnnxGraph.Scope scope = g.scope("blocks." + name)) {
        String skip = skips.isEmpty() ? null : skips.size() == 1 ? skips.get(0)
            : g.concat(skips, 1);
        return blocks.get(name).toOnnx(g, x, skip);
      }
    }));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... f) {
    dense(reversed(List.of(f)), (name, x, skips) -> {
      Shape skip = null;
      if (!skips.isEmpty()) {
        long channels = skips.stream().mapToLong(s -> s.get(1)).sum();
        Shape s0 = skips.get(0);
        skip = new Shape(s0.get(0), channels, s0.get(2), s0.get(3));
      }
      return blocks.get(name).init(manager, dataType, x, skip);
    });
  }

  @Override
  public Shape[] getOutputShapes(Shape[] f) {
    Shape s = f[0];
    return new Shape[] {new Shape(s.get(0), out, s.get(2) * 2, s.get(3) * 2)};
  }
}
