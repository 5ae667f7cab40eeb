package io.sparkseg.core.onnx;

import java.util.List;

/**
 * A block that writes its own inference-mode forward pass into an {@link OnnxGraph}: the ONNX
 * twin of its {@code forward} (same operators and order, BatchNorm folded, dropout gone). The
 * equality of the two is proven by running both, not by construction.
 */
public interface OnnxExportable {
  /** Adds the block's nodes after the values {@code inputs}; returns its output values. */
  List<String> toOnnx(OnnxGraph graph, List<String> inputs);
}
