package io.sparkseg.core.infer;

import io.sparkseg.core.image.Image8;
import java.util.List;

/**
 * What scoring needs from a model, whatever runs it (DJL PyTorch, ONNX Runtime): per-image class
 * probability planes {@code [class][row-major pixel]} for a list of same-size images. Not
 * thread-safe unless the implementation says so: one per thread or Spark partition.
 */
public interface ProbabilityModel {
  List<float[][]> predict(List<Image8> images);
}
