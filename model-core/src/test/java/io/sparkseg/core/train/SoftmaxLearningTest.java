package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sparkseg.core.demo.SceneDemoGenerator;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.ConfusionMatrix;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.scene.ClassMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The softmax path learns: a small U-Net trained on synthetic driving frames (12 classes, sky
 * ignored) with ce-dice is validated by argmax into a confusion matrix, keeps its best model by
 * mIoU, writes the confusion matrix, and clearly beats predicting the majority class everywhere.
 */
class SoftmaxLearningTest {
  private static List<TrainingSample> frames(SceneDemoGenerator g, boolean test, int sequences,
      int frames) {
    List<TrainingSample> out = new ArrayList<>();
    for (int s = 0; s < sequences; s++) {
      for (int f = 0; f < frames; f++) {
        SceneDemoGenerator.Frame fr = g.frame(test, s, f);
        BinaryMask[] masks = new BinaryMask[12];
        for (int c = 0; c < 12; c++) {
          masks[c] = fr.label().mask(c);
        }
        out.add(new TrainingSample((test ? "t" : "s") + s + "/" + f, fr.image(), masks));
      }
    }
    return out;
  }

  @Test
  void learnsSceneClassesBeyondTheMajorityClass(@TempDir Path dir) throws Exception {
    SceneDemoGenerator g = new SceneDemoGenerator(12, 3, 4, 64, 96, 3);
    List<TrainingSample> train = frames(g, false, 12, 4);
    List<TrainingSample> val = frames(g, true, 3, 4);
    // majority class everywhere, scored like the model
    long[] pixels = new long[12];
    for (TrainingSample s : train) {
      for (int c = 0; c < 12; c++) {
        pixels[c] += s.masks()[c].count();
      }
    }
    int majority = 0;
    for (int c = 1; c < 12; c++) {
      majority = pixels[c] > pixels[majority] ? c : majority;
    }
    ConfusionMatrix base = new ConfusionMatrix(12);
    for (TrainingSample s : val) {
      byte[] all = new byte[64 * 96];
      java.util.Arrays.fill(all, (byte) majority);
      base.add(new ClassMap(64, 96, all), ClassMap.ofMasks(s.masks(), 64, 96));
    }
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
        new int[] {64, 32, 32, 16, 16}, 12, ModelSpec.Activation.SOFTMAX);
    TrainOptions options = TrainOptions.builder().epochs(6).batchSize(8).lr(3e-3f)
        .warmupEpochs(0).cosineT0(6).loss("ce-dice").earlyStopPatience(0).seed(5).build();
    FoldTrainer.Result r = new FoldTrainer(spec, options, new LocalCheckpointStore(dir),
        Device.cpu(), System.out).fit(SampleSource.of(train, true, 5),
            SampleSource.of(val, false, 0), null);
    double miou = r.bestMetrics().get("miou");
    System.out.printf("softmax: best mIoU %.4f (pixel accuracy %.4f) at epoch %d; majority "
        + "class mIoU %.4f%n", miou, r.bestMetrics().get("pixel_accuracy"), r.bestEpoch(),
        base.meanIou());
    assertEquals(miou, r.bestScore(), 1e-12, "the best model is chosen by mIoU");
    assertTrue(miou > base.meanIou() + 0.15, "mIoU " + miou + " vs majority " + base.meanIou());
    assertTrue(r.bestMetrics().get("pixel_accuracy") > base.pixelAccuracy());
    String csv = Files.readString(dir.resolve("best-confusion.csv"));
    assertTrue(csv.startsWith("truth\\predicted,class 1,") && csv.lines().count() == 13, csv);
  }
}
