package io.sparkseg.core.nn;

import ai.djl.nn.Block;

/**
 * A segmentation decoder: its forward pass takes the encoder's five feature maps (strides 2 to
 * 32) and returns one feature map with {@link #outChannels()} channels at {@link #outStride()}.
 */
public interface Decoder extends Block {
  int outChannels();

  /** Stride of the output relative to the input image (1 = full resolution). */
  int outStride();
}
