package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sparkseg.core.nn.ModelSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real learning test: a small U-Net (ResNet-18 encoder, random init) trained on CPU for a few
 * epochs on generated Severstal-like strips must clearly beat the empty-mask baseline on held
 * out images (Kaggle mean Dice, empty/empty = 1).
 */
class FoldTrainerLearningTest {
  @Test
  void learnsDefectsBeyondTheEmptyBaseline(@TempDir Path dir) throws Exception {
    List<TrainingSample> train = TrainingData.learningTrain();
    List<TrainingSample> val = TrainingData.learningValidation();
    double baseline = TrainingData.emptyBaseline(val);
    ModelSpec spec = TrainingData.LEARNING_SPEC;
    TrainOptions options = TrainingData.LEARNING_OPTIONS;
    Map<String, float[][]> oof = new HashMap<>();
    FoldTrainer.Result r = new FoldTrainer(spec, options, new LocalCheckpointStore(dir),
        Device.cpu(), System.out)
        .fit(SampleSource.of(train, true, 7), SampleSource.of(val, false, 0),
            (id, h, w, p) -> oof.put(id, p));
    System.out.printf("empty baseline %.4f, best mean Dice %.4f at epoch %d%n", baseline,
        r.bestScore(), r.bestEpoch());
    assertTrue(r.bestScore() > baseline + 0.05, "mean Dice " + r.bestScore()
        + " does not clearly beat the empty baseline " + baseline);
    assertEquals(8, r.history().size());
    assertTrue(r.history().get(7).trainLoss() < r.history().get(0).trainLoss(), "loss falls");
    assertEquals(val.size(), oof.size(), "one OOF probability map per validation sample");
    assertEquals(64 * 256, oof.get(val.get(0).id())[2].length);
  }
}
