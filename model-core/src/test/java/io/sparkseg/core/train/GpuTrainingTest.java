package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.image.Image8;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU path of a fold task, where DJL sees a GPU (skipped elsewhere, saying so): the learning
 * test's problem trained on {@code gpu(0)} in two runs (the second resumes from the first's
 * checkpoint, as a retried Spark task does), the best model beats the empty baseline, and the
 * saved model scores the same on the GPU and on the CPU, and as it did in training (cuDNN picks
 * TF32 convolutions per batch shape: 1e-2).
 */
class GpuTrainingTest {
  @Test
  void trainsOnTheGpuResumesAndScoresLikeTheCpu(@TempDir Path dir) throws Exception {
    Engine engine = Engines.pytorch();
    assumeTrue(engine.getGpuCount() > 0, "no GPU visible to DJL's PyTorch " + engine.getVersion()
        + ": the GPU path is not run here");
    List<TrainingSample> train = TrainingData.learningTrain();
    List<TrainingSample> val = TrainingData.learningValidation();
    double baseline = TrainingData.emptyBaseline(val);
    ModelSpec spec = TrainingData.LEARNING_SPEC;
    TrainOptions options = TrainingData.LEARNING_OPTIONS;
    Map<String, float[][]> oof = new HashMap<>();
    long t0 = System.nanoTime();
    FoldTrainer.Result first = new FoldTrainer(spec, options.toBuilder().epochs(4).build(),
        new LocalCheckpointStore(dir), Device.gpu(0), System.out)
        .fit(SampleSource.of(train, true, 7), SampleSource.of(val, false, 0), (id, h, w, p) -> { });
    assertEquals(4, first.epochsRun());
    FoldTrainer.Result r = new FoldTrainer(spec, options, new LocalCheckpointStore(dir),
        Device.gpu(0), System.out)
        .fit(SampleSource.of(train, true, 7), SampleSource.of(val, false, 0),
            (id, h, w, p) -> oof.put(id, p));
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("gpu: %s, 8 epochs of %d 64x256 samples in %.1f s; empty baseline %.4f, "
        + "best mean Dice %.4f at epoch %d%n", engine.getVersion(), train.size(), seconds,
        baseline, r.bestScore(), r.bestEpoch());
    assertEquals(4, r.resumedFromEpoch(), "the second run resumes from the first's checkpoint");
    assertEquals(8, r.history().size());
    assertTrue(r.bestScore() > baseline + 0.05, "mean Dice " + r.bestScore()
        + " does not clearly beat the empty baseline " + baseline);

    ModelCard card;
    try (InputStream in = Files.newInputStream(dir.resolve("best.json"))) {
      card = ModelIo.readCard(in);
    }
    List<Image8> images = val.subList(0, 8).stream().map(TrainingSample::image).toList();
    List<float[][]> onGpu = predict(card, dir, Device.gpu(0), images);
    List<float[][]> onCpu = predict(card, dir, Device.cpu(), images);
    double maxDiff = 0;
    double maxOof = 0;
    for (int n = 0; n < images.size(); n++) {
      float[][] fromTraining = oof.get(val.get(n).id());
      for (int c = 0; c < 4; c++) {
        for (int i = 0; i < onGpu.get(n)[c].length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(onGpu.get(n)[c][i] - onCpu.get(n)[c][i]));
          if (r.bestEpoch() == 8) {
            maxOof = Math.max(maxOof, Math.abs(onGpu.get(n)[c][i] - fromTraining[c][i]));
          }
        }
      }
    }
    System.out.printf("gpu vs cpu: max |p| difference %.2e; reloaded vs OOF %.2e%n", maxDiff,
        maxOof);
    assertTrue(maxDiff < 1e-2, "GPU and CPU probabilities differ by " + maxDiff);
    assertTrue(maxOof < 1e-2, "the reloaded model scores as during training: " + maxOof);
  }

  private static List<float[][]> predict(ModelCard card, Path dir, Device device,
      List<Image8> images) throws Exception {
    try (NDManager m = Engines.pytorch().newBaseManager(device);
        InputStream in = Files.newInputStream(dir.resolve("best.safetensors"))) {
      SegmentationModel model = ModelIo.load(card, SafeTensors.read(in, "best"), m, "best");
      return new SegmentationPredictor(model, m, Normalization.IMAGENET, 8, false)
          .predict(images);
    }
  }
}
