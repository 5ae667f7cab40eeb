package io.sparkseg.core.train;

import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/** Small Severstal-like training sets for trainer tests. */
final class TrainingData {
  /** The learning tests' model: a small U-Net on ResNet-18, random init, 4 sigmoid classes. */
  static final io.sparkseg.core.nn.ModelSpec LEARNING_SPEC = new io.sparkseg.core.nn.ModelSpec(
      io.sparkseg.core.nn.ModelSpec.Architecture.UNET, "resnet18",
      new int[] {128, 64, 32, 16, 16}, 4, io.sparkseg.core.nn.ModelSpec.Activation.SIGMOID);
  /** ... and its schedule: 8 epochs of batch 16 at 2e-3, cosine, combo-pw. */
  static final TrainOptions LEARNING_OPTIONS = TrainOptions.builder().epochs(8).batchSize(16)
      .lr(2e-3f).warmupEpochs(0).cosineT0(8).loss("combo-pw").earlyStopPatience(0).seed(7)
      .build();

  private TrainingData() {}

  /** The learning tests' training strips: 128 of 64x256, seed 3. */
  static List<TrainingSample> learningTrain() {
    return samples("train", 128, 64, 256, 3);
  }

  /** ... and their held-out strips: 48, seed 3. */
  static List<TrainingSample> learningValidation() {
    return samples("test", 48, 64, 256, 3);
  }

  static List<TrainingSample> samples(String split, int count, int h, int w, long seed) {
    DemoDataGenerator gen = new DemoDataGenerator(new DemoDataset(count, count, h, w, 0.4, seed));
    List<TrainingSample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      DemoDataGenerator.Sample s = gen.sample(split, i);
      BinaryMask[] masks = new BinaryMask[4];
      for (int c = 0; c < 4; c++) {
        masks[c] = s.masks()[c].isEmpty() ? null : s.masks()[c];
      }
      out.add(new TrainingSample(s.imageId(), s.image().firstChannel(), masks));
    }
    return out;
  }

  /** Kaggle mean Dice of predicting every mask empty. */
  static double emptyBaseline(List<TrainingSample> samples) {
    double sum = 0;
    for (int c = 0; c < 4; c++) {
      int empty = 0;
      for (TrainingSample s : samples) {
        empty += s.masks()[c] == null ? 1 : 0;
      }
      sum += (double) empty / samples.size();
    }
    return sum / 4;
  }
}
