package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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

  /**
   * Each fold's libtorch threads follow its supplier, asked before every training batch and
   * before the out-of-fold pass, and one fold's setting does not change the other's: the first
   * asks for 1, 2 and then 1 thread, the second always for one more than its thread had. Once
   * fit returns, the thread has its own setting back.
   */
  @Test
  void eachTrainerRunsWithTheThreadsItsSupplierGives(@TempDir Path a, @TempDir Path b)
      throws Exception {
    List<TrainingSample> data = TrainingData.samples("train", 8, 64, 128, 8);
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
        new int[] {16, 16, 8, 8, 8}, 4, ModelSpec.Activation.SIGMOID);
    TrainOptions o = TrainOptions.builder().epochs(2).batchSize(4).warmupEpochs(0).cosineT0(2)
        .build();
    AtomicInteger asked = new AtomicInteger();
    int[] turns = {1, 2, 1};
    ByteArrayOutputStream logA = new ByteArrayOutputStream();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      // each records the threads its last epoch ran with (the OOF sink runs in the out-of-fold
      // pass, on the training thread) and what the thread has once fit returns
      int[] during = new int[2];
      Future<int[]> ra = pool.submit(() -> {
        int before = Engines.cpuThreads();
        new FoldTrainer(spec, o, new LocalCheckpointStore(a), Device.cpu(),
            new PrintStream(logA, true, StandardCharsets.UTF_8))
            .cpuThreads(() -> turns[Math.min(asked.getAndIncrement(), 2)])
            .fit(SampleSource.of(data, true, 1), SampleSource.of(data, false, 0),
                (id, h, w, p) -> during[0] = Engines.cpuThreads());
        return new int[] {before, Engines.cpuThreads()};
      });
      Future<int[]> rb = pool.submit(() -> {
        int before = Engines.cpuThreads();
        new FoldTrainer(spec, o, new LocalCheckpointStore(b), Device.cpu(), System.out)
            .cpuThreads(() -> before + 1)
            .fit(SampleSource.of(data, true, 2), SampleSource.of(data, false, 0),
                (id, h, w, p) -> during[1] = Engines.cpuThreads());
        return new int[] {before, Engines.cpuThreads()};
      });
      int[] threadsA = ra.get();
      int[] threadsB = rb.get();
      assertEquals(1, during[0]);
      assertEquals(threadsB[0] + 1, during[1]);
      assertEquals(threadsA[0], threadsA[1], "the thread gets its setting back after the fold");
      assertEquals(threadsB[0], threadsB[1], "the thread gets its setting back after the fold");
    } finally {
      pool.shutdownNow();
    }
    assertEquals(5, asked.get(), "asked before each of the 2 x 2 training batches (8 samples "
        + "in batches of 4) and the out-of-fold pass");
    String log = logA.toString(StandardCharsets.UTF_8);
    int first = log.indexOf("cpu threads: 1");
    int second = log.indexOf("cpu threads: 2");
    int third = log.indexOf("cpu threads: 1", second);
    assertTrue(first >= 0 && second > first && third > second, log);
  }
}
