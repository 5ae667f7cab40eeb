package io.sparkseg.core.config;

import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.train.Augmenter;
import io.sparkseg.core.train.TrainOptions;

/**
 * The {@code sparkseg.model} and {@code sparkseg.train} settings, validated: the model to
 * build, where its pretrained encoder weights are, how to train it, and how the train job
 * runs (folds, run id, GPUs per task, loader sizes, how often a fold reports progress within
 * an epoch: {@code progressSeconds}, 0 = only per epoch). {@code sampling}: {@code none} or
 * {@code repeat-factor} (rare classes' tiles repeated, see RepeatFactorSampling, with
 * {@code samplingThreshold} as its t).
 */
public record TrainConfig(ModelSpec model, String encoderWeights, TrainOptions options,
    String augmentation, java.util.List<Integer> folds, String runId, int gpusPerTask,
    String device, int prefetch, int shuffleBuffer, String classWeights, int progressSeconds,
    String sampling, double samplingThreshold) implements java.io.Serializable {

  /** The same settings training with {@code options} (e.g. with class weights from the data). */
  public TrainConfig withOptions(TrainOptions options) {
    return new TrainConfig(model, encoderWeights, options, augmentation, folds, runId,
        gpusPerTask, device, prefetch, shuffleBuffer, classWeights, progressSeconds, sampling,
        samplingThreshold);
  }

  /** Whether the model has one class per pixel (softmax; scored by mIoU). */
  public boolean softmax() {
    return model.activation() == ModelSpec.Activation.SOFTMAX;
  }

  /** The augmentation recipe named by {@code sparkseg.train.augmentation}. */
  public Augmenter augmenter() {
    return augmenter(augmentation);
  }

  static Augmenter augmenter(String name) {
    return switch (name) {
      case "none" -> Augmenter.none();
      case "flips" -> Augmenter.flips(0.5);
      case "severstal" -> Augmenter.severstal();
      default -> throw new IllegalArgumentException("unknown augmentation '" + name
          + "'; expected none, flips or severstal");
    };
  }
}
