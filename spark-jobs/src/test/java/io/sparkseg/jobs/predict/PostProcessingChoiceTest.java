package io.sparkseg.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.ThresholdSearch;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.jobs.SparkTestSupport;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which rules predict applies: the run's tuning, then the configuration's per-class overrides. */
class PostProcessingChoiceTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static Path tunedRun(Path work) throws Exception {
    Path run = work.resolve("runs").resolve("r1");
    Files.createDirectories(run);
    Tuning t = new Tuning("r1", 30, new float[] {0.3f, 0.5f}, new int[] {0, 10},
        new int[] {0, 40}, List.of(
            new ThresholdSearch.Choice(1, new ClassRule(0.3f, 10, 40, 0f), 0.95, 0.93),
            new ThresholdSearch.Choice(2, new ClassRule(0.5f, 10, 0, 0f), 0.99, 0.98),
            new ThresholdSearch.Choice(3, new ClassRule(0.5f, 0, 0, 0f), 0.97, 0.97),
            new ThresholdSearch.Choice(4, new ClassRule(0.3f, 0, 0, 0f), 0.96, 0.94)), "t");
    Files.writeString(run.resolve(Tuning.FILE), t.toJson());
    return run;
  }

  /** The rules predict applies to run r1 with one setting overridden. */
  private static PostProcessor rules(Path work, Path run, String key, String value) {
    return PredictJob.postProcessor(SparkTestSupport.config(work, Map.of(key, value)), "r1",
        run.toString(), new Configuration(), QUIET);
  }

  @Test
  void theTunedMaximumAreaIsKeptUnlessTheConfigurationOverridesIt(@TempDir Path work)
      throws Exception {
    Path run = tunedRun(work);
    // overriding another setting (the thresholds) keeps the tuned maximum area
    PostProcessor p = rules(work, run, "predict.thresholds", "[0.2, 0.5, 0.5, 0.5]");
    assertEquals(new ClassRule(0.2f, 10, 40, 0f), p.rules().get(0));
    assertEquals(new ClassRule(0.5f, 10, 0, 0f), p.rules().get(1));
    // and the maximum areas can be overridden per class
    PostProcessor q = rules(work, run, "predict.max-areas", "[0, 0, 0, 500]");
    assertEquals(new ClassRule(0.3f, 10, 0, 0f), q.rules().get(0));
    assertEquals(new ClassRule(0.3f, 0, 500, 0f), q.rules().get(3));
  }

  @Test
  void aRuleWithoutAMaximumAreaKeepsItsScoringIdentity(@TempDir Path work) throws Exception {
    Path run = tunedRun(work);
    SparksegConfig cfg = SparkTestSupport.config(work);
    PostProcessor tuned = PredictJob.postProcessor(cfg, "r1", run.toString(),
        new Configuration(), QUIET);
    PredictJob.Models none = new PredictJob.Models("r1", List.of(), run.toString());
    String rules = ScoringIdentity.of(cfg, none, tuned, new Configuration()).settings()
        .get("post-processing");
    // the identity string of rules without a maximum is what it was before the maximum existed,
    // so images scored then are not re-scored for nothing
    assertTrue(rules.contains("2=(threshold 0.5, min area 10, gate 0.0)"), rules);
    assertTrue(rules.contains("1=(threshold 0.3, min area 10, max area 40, gate 0.0)"), rules);
    PostProcessor uncapped = new PostProcessor(List.of(new ClassRule(0.3f, 10, 0, 0f),
        tuned.rules().get(1), tuned.rules().get(2), tuned.rules().get(3)));
    String before = ScoringIdentity.of(cfg, none, uncapped, new Configuration()).settings()
        .get("post-processing");
    assertFalse(before.contains("max area"), before);
    assertFalse(ScoringIdentity.of(cfg, none, uncapped, new Configuration()).id()
        .equals(ScoringIdentity.of(cfg, none, tuned, new Configuration()).id()));
  }

  @Test
  void theFoldMaximumClassesAreInTheScoringIdentityOnlyWhenSet(@TempDir Path work)
      throws Exception {
    Path run = tunedRun(work);
    SparksegConfig plain = SparkTestSupport.config(work);
    SparksegConfig max = SparkTestSupport.config(work, Map.of("predict.fold-max-classes",
        "[1]"));
    PostProcessor tuned = PredictJob.postProcessor(plain, "r1", run.toString(),
        new Configuration(), QUIET);
    List<String> files = new java.util.ArrayList<>();
    for (int f = 0; f < 2; f++) {
      Path m = Files.createDirectories(run.resolve("fold-" + f)).resolve("best.safetensors");
      Files.write(m, new byte[] {(byte) f});
      files.add(m.toString());
    }
    PredictJob.Models folds = new PredictJob.Models("r1", files, run.toString());
    ScoringIdentity before = ScoringIdentity.of(plain, folds, tuned, new Configuration());
    ScoringIdentity after = ScoringIdentity.of(max, folds, tuned, new Configuration());
    assertFalse(before.settings().containsKey("fold-max-classes"), before.settings().toString());
    assertEquals("[1]", after.settings().get("fold-max-classes"));
    assertFalse(before.id().equals(after.id()), "another combination re-scores the images");
    assertTrue(folds.combination(max).endsWith("2 model(s) + flip TTA, the folds' maximum for "
        + "classes [1]"), folds.combination(max));

    // one model has no folds to combine: the setting does not apply, nothing is re-scored
    PredictJob.Models one = new PredictJob.Models("r1", files.subList(0, 1), run.toString());
    assertEquals(List.of(), one.foldMaxClasses(max));
    assertEquals(ScoringIdentity.of(plain, one, tuned, new Configuration()).id(),
        ScoringIdentity.of(max, one, tuned, new Configuration()).id());
    assertEquals("1 model(s) + flip TTA", one.combination(max));
  }
}
