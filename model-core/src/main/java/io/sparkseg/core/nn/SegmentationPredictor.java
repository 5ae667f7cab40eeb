package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.train.Normalization;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched inference with a loaded model: images in, per-image class probability planes out
 * ({@code [class][row-major pixel]}), sigmoid or softmax as the model's spec says. Optional
 * horizontal-flip TTA averages the probabilities of the image and of its mirror. Each batch
 * runs in its own {@link NDScope}, so memory stays flat however many images pass. Not
 * thread-safe: one predictor per thread (or Spark partition).
 */
public final class SegmentationPredictor implements io.sparkseg.core.infer.ProbabilityModel {
  private final SegmentationModel model;
  private final NDManager manager;
  private final Normalization normalization;
  private final int batchSize;
  private final boolean flipTta;
  private final ParameterStore parameters;

  public SegmentationPredictor(SegmentationModel model, NDManager manager,
      Normalization normalization, int batchSize, boolean flipTta) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.model = model;
    this.manager = manager;
    this.normalization = normalization;
    this.batchSize = batchSize;
    this.flipTta = flipTta;
    this.parameters = new ParameterStore(manager, false);
  }

  /** Probabilities for each image: {@code result.get(i)[class][pixel]}. */
  @Override
  public List<float[][]> predict(List<Image8> images) {
    Autograd.noGrad(); // inference threads must not build autograd graphs
    List<float[][]> out = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += batchSize) {
      out.addAll(predictBatch(images.subList(from, Math.min(images.size(), from + batchSize))));
    }
    return out;
  }

  private List<float[][]> predictBatch(List<Image8> batch) {
    int h = batch.get(0).height();
    int w = batch.get(0).width();
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray x = manager.create(normalization.images(batch), new Shape(batch.size(), 3, h, w));
      NDArray probs = probabilities(x);
      if (flipTta) {
        NDArray mirrored = probabilities(x.flip(3)).flip(3);
        probs = probs.add(mirrored).div(2);
      }
      return planes(probs);
    }
  }

  private NDArray probabilities(NDArray x) {
    return activate(model.spec(), model.forward(parameters, new NDList(x), false)
        .singletonOrThrow());
  }

  /** The spec's activation (sigmoid or softmax over classes) applied to NCHW logits. */
  public static NDArray activate(ModelSpec spec, NDArray logits) {
    return spec.activation() == ModelSpec.Activation.SOFTMAX
        ? logits.softmax(1) : logits.getNDArrayInternal().sigmoid();
  }

  /** NCHW probabilities to per-image {@code [class][row-major pixel]} planes. */
  public static List<float[][]> planes(NDArray probs) {
    Shape s = probs.getShape();
    int n = (int) s.get(0);
    int classes = (int) s.get(1);
    int plane = (int) (s.get(2) * s.get(3));
    float[] flat = probs.toFloatArray();
    List<float[][]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[][] planes = new float[classes][plane];
      for (int c = 0; c < classes; c++) {
        System.arraycopy(flat, (i * classes + c) * plane, planes[c], 0, plane);
      }
      out.add(planes);
    }
    return out;
  }
}
