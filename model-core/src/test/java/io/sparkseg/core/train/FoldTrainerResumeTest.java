package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.SegmentationPredictor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints, resume, early stopping and the saved model, on a tiny problem. */
class FoldTrainerResumeTest {
  private static final List<TrainingSample> TRAIN = TrainingData.samples("train", 24, 64, 128, 5);
  private static final List<TrainingSample> VAL = TrainingData.samples("test", 8, 64, 128, 5);
  private static final ModelSpec SPEC = new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
      new int[] {32, 16, 16, 8, 8}, 4, ModelSpec.Activation.SIGMOID);
  private static final TrainOptions FOUR_EPOCHS = TrainOptions.builder().epochs(4).batchSize(8)
      .lr(1e-3f).warmupEpochs(1).cosineT0(4).earlyStopPatience(0).seed(11).build();

  private static FoldTrainer.Result train(TrainOptions o, Path dir, PrintStream log,
      Map<String, float[][]> oof) throws Exception {
    return new FoldTrainer(SPEC, o, new LocalCheckpointStore(dir), Device.cpu(), log)
        .fit(SampleSource.of(TRAIN, true, 11), SampleSource.of(VAL, false, 0),
            oof == null ? (id, h, w, p) -> { } : (id, h, w, p) -> oof.put(id, p));
  }

  @Test
  void resumedRunContinuesExactlyWhereItStopped(@TempDir Path a, @TempDir Path b)
      throws Exception {
    FoldTrainer.Result straight = train(FOUR_EPOCHS, a, System.out, null);

    FoldTrainer.Result firstTwo = train(FOUR_EPOCHS.toBuilder().epochs(2).cosineT0(4).build(), b,
        System.out, null);
    assertEquals(2, firstTwo.epochsRun());
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    FoldTrainer.Result resumed = train(FOUR_EPOCHS, b,
        new PrintStream(log, true, StandardCharsets.UTF_8), null);
    String printed = log.toString(StandardCharsets.UTF_8);
    System.out.print(printed);

    assertEquals(2, resumed.resumedFromEpoch());
    assertEquals(4, resumed.epochsRun());
    assertTrue(printed.contains("resumed from " + b.resolve("checkpoint-0002.safetensors")
        + " at epoch 2"), printed);
    assertEquals(List.of(1, 2, 3, 4), resumed.history().stream().map(EpochRecord::epoch).toList());
    for (int e = 0; e < 4; e++) {
      assertEquals(straight.history().get(e).trainLoss(), resumed.history().get(e).trainLoss(),
          1e-4, "epoch " + (e + 1) + ": weights, optimizer state, schedule and data order restored");
      assertEquals(straight.history().get(e).lr(), resumed.history().get(e).lr(), 1e-12);
    }
    // the newest two checkpoints are kept, with the optimizer's step count
    assertEquals(List.of("checkpoint-0003.safetensors", "checkpoint-0004.safetensors"),
        Files.list(b).map(p -> p.getFileName().toString())
            .filter(n -> n.startsWith("checkpoint-")).sorted().toList());
    try (InputStream in = Files.newInputStream(b.resolve("checkpoint-0004.safetensors"))) {
      SafeTensors ckpt = SafeTensors.read(in, "checkpoint");
      assertTrue(ckpt.metadata().get("sparkseg.trainer_state").contains("\"optimizerSteps\":12"),
          "3 steps an epoch x 4 epochs");
      assertTrue(ckpt.entries().containsKey("optimizer.second.encoder.conv1.weight"));
    }
    List<String> csv = Files.readAllLines(b.resolve("history.csv"));
    assertEquals(5, csv.size());
    assertTrue(csv.get(0).startsWith("epoch,lr,train_loss,val_loss"), csv.get(0));
  }

  @Test
  void earlyStoppingAndTheSavedModelReloadsExactly(@TempDir Path dir) throws Exception {
    Map<String, float[][]> oof = new HashMap<>();
    // threshold 1.0: no probability is above it, every mask is empty, the Dice cannot improve
    TrainOptions stuck = FOUR_EPOCHS.toBuilder().threshold(1.0f).earlyStopPatience(1).build();
    FoldTrainer.Result r = train(stuck, dir, System.out, oof);
    assertTrue(r.stoppedEarly());
    assertEquals(2, r.epochsRun(), "no better Dice at epoch 2: stop");
    assertEquals(1, r.bestEpoch());

    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      // the saved pair as predict and the benchmarks load it back
      ModelIo.Saved saved = ModelIo.load(dir, FoldTrainer.BEST, m);
      ModelCard card = saved.card();
      assertEquals(SPEC, card.spec());
      assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, card.thresholds());
      assertFalse(card.metrics().isEmpty());
      float[][] again = new SegmentationPredictor(saved.model(), m, Normalization.IMAGENET, 4,
          false)
          .predict(List.of(VAL.get(3).image())).get(0);
      float[][] fromTraining = oof.get(VAL.get(3).id());
      for (int c = 0; c < 4; c++) {
        assertArrayEquals(fromTraining[c], again[c], 1e-5f, "class " + (c + 1));
      }
    }
  }

  /** A loss that is no longer a number stops the fold, naming the epoch, batch and samples. */
  @Test
  void aLossThatIsNotANumberStopsTrainingSayingWhere(@TempDir Path a) {
    // a learning rate no model survives: after a step or two the activations overflow
    TrainOptions diverging = FOUR_EPOCHS.toBuilder().lr(1e30f).warmupEpochs(0).build();
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, () -> train(diverging, a,
            new PrintStream(java.io.OutputStream.nullOutputStream()), null));
    assertTrue(e.getMessage().matches("(?s)epoch 1, batch \\d+ \\(.+\\): the training loss is "
        + "(NaN|Infinity|-Infinity).*"), e.getMessage());
    assertTrue(e.getMessage().contains("CPU check") && e.getMessage().contains(
        "sparkseg.train.lr"), e.getMessage());
    assertFalse(java.nio.file.Files.exists(a.resolve("best.safetensors")), "nothing saved");
  }

  /**
   * Within an epoch the fold reports its progress at the interval given (every batch here) and
   * stays quiet when the interval is 0; the numbers are the running ones.
   */
  @Test
  void progressWithinAnEpochAtTheIntervalGiven(@TempDir Path a, @TempDir Path b)
      throws Exception {
    TrainOptions oneEpoch = FOUR_EPOCHS.toBuilder().epochs(1).batchSize(4).build();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    new FoldTrainer(SPEC, oneEpoch, new LocalCheckpointStore(a), Device.cpu(),
        new PrintStream(log, true, StandardCharsets.UTF_8)).progressEvery(1)
        .fit(new SampleSource() {
          // a slow source: each sample takes 0.2 s, so a report falls due every few batches
          @Override
          public java.util.Iterator<TrainingSample> samples(int epoch) {
            java.util.Iterator<TrainingSample> it = TRAIN.iterator();
            return new java.util.Iterator<>() {
              @Override
              public boolean hasNext() {
                return it.hasNext();
              }

              @Override
              public TrainingSample next() {
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                return it.next();
              }
            };
          }

          @Override
          public long size() {
            return TRAIN.size();
          }
        }, SampleSource.of(VAL, false, 0), (id, h, w, p) -> { });
    List<String> lines = log.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.startsWith("  epoch 1/1  ")).toList();
    assertTrue(lines.size() >= 2 && lines.size() <= 5, "24 samples at 0.2 s, a line a second: "
        + lines);
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(
        "  epoch 1/1  (\\d+)/24 images  loss \\d+\\.\\d{4}  \\d+\\.\\d img/s  ETA 0:\\d\\d");
    long previous = 0;
    for (String line : lines) {
      java.util.regex.Matcher m = p.matcher(line);
      assertTrue(m.matches(), line);
      long done = Long.parseLong(m.group(1));
      assertTrue(done > previous && done < 24 && done % 4 == 0, line);
      previous = done;
    }
    ByteArrayOutputStream quiet = new ByteArrayOutputStream();
    new FoldTrainer(SPEC, oneEpoch, new LocalCheckpointStore(b), Device.cpu(),
        new PrintStream(quiet, true, StandardCharsets.UTF_8))
        .fit(SampleSource.of(TRAIN, true, 11), SampleSource.of(VAL, false, 0),
            (id, h, w, p2) -> { });
    assertFalse(quiet.toString(StandardCharsets.UTF_8).contains("  epoch 1/1  "),
        "no progress lines by default");
    assertEquals("  epoch 2/5  10 images  loss 0.5000  5.0 img/s",
        FoldTrainer.batchProgress(2, 5, 10, -1, 0.5, 2.0), "a source of unknown size: no ETA");
    assertEquals("  epoch 2/5  10/310 images  loss 0.5000  5.0 img/s  ETA 1:00",
        FoldTrainer.batchProgress(2, 5, 10, 310, 0.5, 2.0));
  }
}
