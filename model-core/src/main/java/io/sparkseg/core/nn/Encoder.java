package io.sparkseg.core.nn;

import ai.djl.nn.Block;

/**
 * A feature encoder for segmentation decoders: its forward pass maps an NCHW image batch to
 * five feature maps at strides 2, 4, 8, 16 and 32 (smp's depth 5, identity stage dropped).
 */
public interface Encoder extends Block {
  /** Channels of the five feature maps. */
  int[] outChannels();

  /** smp's encoder name, e.g. {@code resnet34}. */
  String name();
}
