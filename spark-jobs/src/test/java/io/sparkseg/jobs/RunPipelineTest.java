package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.severstal.Submission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on demo data, as `run` does it: ETL, training of two folds on CPU, tuning on the
 * out-of-fold predictions, prediction of the held-out test images. The submission must beat
 * the empty submission by a clear margin on the test truth, scored independently of predict's
 * own figure.
 */
class RunPipelineTest {
  /** The demo preset (conf/demo.conf), shrunk to fit a test: fewer images, 2 folds. */
  static SparksegConfig config(Path work) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("demo.train-images", "96");
    o.put("demo.test-images", "24");
    o.put("demo.clean-fraction", "0.4");
    o.put("data.image-height", "64");
    o.put("data.image-width", "400");
    o.put("tiles.width", "128");
    o.put("tiles.stride", "64");
    o.put("folds.k", "2");
    o.put("model.encoder", "resnet18");
    o.put("model.decoder-channels", "[128, 64, 32, 16, 16]");
    o.put("train.epochs", "5");
    o.put("train.batch-size", "16");
    o.put("train.learning-rate", "2e-3");
    o.put("train.warmup-epochs", "0");
    o.put("train.augmentation", "flips");
    o.put("train.run-id", "e2e");
    o.put("tune.min-areas", "[0, 10, 20, 40, 80, 160]");
    o.put("predict.overlays", "3");
    o.put("predict.truth-csv", work.resolve("demo-data/test_truth.csv").toString());
    return SparkTestSupport.config(work, o);
  }

  @Test
  void submissionClearlyBeatsTheEmptyBaseline(@TempDir Path work) throws Exception {
    SparksegConfig cfg = config(work);
    Pipeline.generateDemo(cfg, System.out);
    SparkSession spark = SparkTestSupport.spark(cfg);
    Pipeline.RunResult r = Pipeline.run(spark, cfg, System.out);

    assertEquals(2, r.training().folds().size());
    assertEquals(96, r.tuning().images(), "every training image has out-of-fold predictions");
    assertEquals(24, r.prediction().scored());
    assertTrue(Files.isRegularFile(work.resolve("runs/e2e/postprocessing.json")));
    try (var s = Files.list(work.resolve("overlays/e2e"))) {
      assertEquals(3, s.count());
    }

    // scored here with the project's reader of Kaggle files, not with predict's figure
    Map<String, BinaryMask[]> submission = Submission.read(work.resolve("submission.csv"), 4,
        64, 400);
    Map<String, BinaryMask[]> truth = Submission.read(work.resolve("demo-data/test_truth.csv"),
        4, 64, 400);
    assertEquals(24, submission.size());
    double dice = Submission.score(submission, truth, 4, 64, 400).metrics().asMap()
        .get("dice.mean");
    Map<String, BinaryMask[]> nothing = new LinkedHashMap<>();
    submission.keySet().forEach(id -> nothing.put(id, new BinaryMask[4]));
    double empty = Submission.score(nothing, truth, 4, 64, 400).metrics().asMap()
        .get("dice.mean");
    System.out.printf("test-set Kaggle Dice %.4f, empty submission %.4f%n", dice, empty);
    assertEquals(dice, r.prediction().diceAndBaseline()[0], 1e-9);
    assertEquals(empty, r.prediction().diceAndBaseline()[1], 1e-9);
    assertTrue(dice > empty + 0.04, "mean Dice " + dice + " does not clearly beat the empty "
        + "submission's " + empty);
  }
}
