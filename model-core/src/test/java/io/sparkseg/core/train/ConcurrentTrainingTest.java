package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.sparkseg.core.nn.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two folds training at once in one JVM, as two Spark tasks in one executor do (DJL's
 * GradientCollector would refuse the second).
 */
class ConcurrentTrainingTest {
  @Test
  void twoTrainersRunAtTheSameTime(@TempDir Path a, @TempDir Path b) throws Exception {
    List<TrainingSample> data = TrainingData.samples("train", 12, 64, 128, 8);
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
        new int[] {16, 16, 8, 8, 8}, 4, ModelSpec.Activation.SIGMOID);
    TrainOptions o = TrainOptions.builder().epochs(2).batchSize(4).warmupEpochs(0).cosineT0(2)
        .build();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<FoldTrainer.Result> ra = pool.submit(() -> new FoldTrainer(spec, o,
          new LocalCheckpointStore(a), Device.cpu(), System.out)
          .fit(SampleSource.of(data, true, 1), SampleSource.of(data, false, 0), null));
      Future<FoldTrainer.Result> rb = pool.submit(() -> new FoldTrainer(spec, o,
          new LocalCheckpointStore(b), Device.cpu(), System.out)
          .fit(SampleSource.of(data, true, 2), SampleSource.of(data, false, 0), null));
      assertEquals(2, ra.get().epochsRun());
      assertEquals(2, rb.get().epochsRun());
    } finally {
      pool.shutdownNow();
    }
  }
}
