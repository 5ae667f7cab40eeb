package io.sparkseg.core.nn;

import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Group normalization (Wu and He), which DJL lacks: channels split into {@code groups}, each
 * normalized over its channels and pixels, then a per-channel affine. Parameters are named as
 * PyTorch's nn.GroupNorm: {@code weight}, {@code bias}; eps 1e-5.
 */
public final class GroupNorm extends AbstractBlock implements OnnxExportable {
  private final int groups;
  private final float eps = 1e-5f;
  private final Parameter weight;
  private final Parameter bias;

  public GroupNorm(int groups) {
    this.groups = groups;
    weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
        .build());
    bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BETA)
        .build());
  }

  @Override
  public void prepare(Shape[] inputShapes) {
    long c = inputShapes[0].get(1);
    if (c % groups != 0) {
      throw new IllegalArgumentException("GroupNorm: " + c + " channels do not split into "
          + groups + " groups");
    }
    weight.setShape(new Shape(c));
    bias.setShape(new Shape(c));
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    long n = s.get(0);
    long c = s.get(1);
    NDArray g = x.reshape(n, groups, -1);
    NDArray mean = g.mean(new int[] {2}, true);
    NDArray centered = g.sub(mean);
    NDArray var = centered.square().mean(new int[] {2}, true);
    NDArray normed = centered.div(var.add(eps).sqrt()).reshape(s);
    NDArray w = ps.getValue(weight, x.getDevice(), training).reshape(1, c, 1, 1);
    NDArray b = ps.getValue(bias, x.getDevice(), training).reshape(1, c, 1, 1);
    return new NDList(normed.mul(w).add(b));
  }

  @Override
  public java.util.List<String> toOnnx(OnnxGraph g, java.util.List<String> inputs) {
    return java.util.List.of(g.groupNorm(inputs.get(0), this, groups, eps,
        weight.getArray().toFloatArray(), bias.getArray().toFloatArray()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}
