package io.sparkseg.core.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;

/**
 * One training example: an image and one mask per class (index 0 = class 1; null = empty).
 * Treated as immutable: augmentation returns new samples.
 */
public record TrainingSample(String id, Image8 image, BinaryMask[] masks) {
  public TrainingSample {
    for (BinaryMask m : masks) {
      if (m != null && (m.height() != image.height() || m.width() != image.width())) {
        throw new IllegalArgumentException(id + ": mask " + m + " does not match image "
            + image.height() + "x" + image.width());
      }
    }
  }
}
