package io.sparkseg.core.train;

import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.List;

/** Small Severstal-like training sets for trainer tests. */
final class TrainingData {
  private TrainingData() {}

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
