package io.sparkseg.core.infer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of tuning a run's post-processing on its out-of-fold probabilities, as stored in
 * {@code runs/<run-id>/postprocessing.json}: the grid searched, how many images it saw, and
 * per class the chosen rule with its Dice and the default rule's Dice. Files written before the
 * maximum area existed read as searched and chosen without one ({@code maxAreas} = [0]).
 */
public record Tuning(String runId, long images, float[] thresholds, int[] minAreas,
    int[] maxAreas, List<ThresholdSearch.Choice> classes, String tunedAt) {
  public static final String FILE = "postprocessing.json";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  public Tuning {
    classes = List.copyOf(classes);
  }

  public String toJson() {
    return GSON.toJson(this);
  }

  public static Tuning fromJson(String json, String source) {
    try {
      Tuning t = GSON.fromJson(json, Tuning.class);
      if (t == null || t.classes() == null || t.classes().isEmpty()) {
        throw new IllegalArgumentException("no per-class rules");
      }
      for (ThresholdSearch.Choice c : t.classes()) {
        // re-validate: the record's constructor is bypassed by Gson
        new ClassRule(c.rule().threshold(), c.rule().minArea(), c.rule().maxArea(),
            c.rule().minMaxProbability());
      }
      return t.maxAreas() == null ? new Tuning(t.runId(), t.images(), t.thresholds(),
          t.minAreas(), new int[] {0}, t.classes(), t.tunedAt()) : t;
    } catch (RuntimeException e) {
      Throwable root = e; // Gson wraps the rule's own complaint
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new IllegalArgumentException(source + ": not a post-processing file: "
          + root.getMessage(), e);
    }
  }

  /** The tuned rules, one per class in class order. */
  public PostProcessor postProcessor() {
    List<ClassRule> rules = new ArrayList<>();
    for (ThresholdSearch.Choice c : classes) {
      rules.add(c.rule());
    }
    return new PostProcessor(rules);
  }

  /** Mean over classes of the tuned Dice and of the default rule's Dice. */
  public double[] meanDice() {
    double tuned = classes.stream().mapToDouble(ThresholdSearch.Choice::dice).average()
        .orElse(Double.NaN);
    double base = classes.stream().mapToDouble(ThresholdSearch.Choice::defaultDice).average()
        .orElse(Double.NaN);
    return new double[] {tuned, base};
  }
}
