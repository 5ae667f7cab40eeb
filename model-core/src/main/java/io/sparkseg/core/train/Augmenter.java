package io.sparkseg.core.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded training augmentation: a list of transforms, each applied with its probability.
 * Geometric transforms move image and masks with the same mapping (image bilinear, masks
 * nearest), so every mask pixel stays on its image pixel; photometric ones change the image
 * only. Each sample's randomness comes from (seed, epoch, index), so a resumed run augments
 * exactly as the original would have.
 */
public final class Augmenter {
  /** One augmentation step. */
  public interface Transform {
    TrainingSample apply(TrainingSample s, Random rnd);
  }

  private record Step(Transform transform, double probability) {}

  private final List<Step> steps;

  private Augmenter(List<Step> steps) {
    this.steps = List.copyOf(steps);
  }

  public static Augmenter none() {
    return new Augmenter(List.of());
  }

  /** Flips only (the trainer's default): horizontal and vertical, each with {@code p}. */
  public static Augmenter flips(double p) {
    return builder().add(Transforms.horizontalFlip(), p).add(Transforms.verticalFlip(), p).build();
  }

  /**
   * The Severstal recipe: flips, shift-scale-rotate, brightness/contrast, Gaussian noise and
   * coarse dropout; hue-saturation (RGB only), rotate-90 and elastic are available on request.
   */
  public static Augmenter severstal() {
    return builder()
        .add(Transforms.horizontalFlip(), 0.5)
        .add(Transforms.verticalFlip(), 0.5)
        .add(Transforms.shiftScaleRotate(0.0625, 0.1, 10, false), 0.3)
        .add(Transforms.brightnessContrast(0.2, 0.2), 0.3)
        .add(Transforms.gaussianNoise(10, 40), 0.2)
        .add(Transforms.coarseDropout(4, 0.1), 0.1)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link Augmenter}. */
  public static final class Builder {
    private final List<Step> steps = new ArrayList<>();

    public Builder add(Transform t, double probability) {
      if (probability < 0 || probability > 1) {
        throw new IllegalArgumentException("probability must be in [0,1], got " + probability);
      }
      steps.add(new Step(t, probability));
      return this;
    }

    public Augmenter build() {
      return new Augmenter(steps);
    }
  }

  public TrainingSample apply(TrainingSample s, long seed, int epoch, long index) {
    Random rnd = new Random(((seed * 31 + epoch) * 1_000_003L) ^ index);
    TrainingSample out = s;
    for (Step step : steps) {
      if (rnd.nextDouble() < step.probability()) {
        out = step.transform().apply(out, rnd);
      }
    }
    return out;
  }

  /** Applies a geometric mapping to image and masks alike. */
  static TrainingSample remap(TrainingSample s, Transforms.Mapping map, boolean bilinearImage) {
    Image8 img = Transforms.remap(s.image(), map, bilinearImage);
    BinaryMask[] masks = new BinaryMask[s.masks().length];
    for (int c = 0; c < masks.length; c++) {
      masks[c] = s.masks()[c] == null ? null : Transforms.remap(s.masks()[c], map);
    }
    return new TrainingSample(s.id(), img, masks);
  }
}
