package io.sparkseg.core.card;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkseg.core.infer.ClassRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's model card, the document people read before using its models: written by
 * {@code train} as {@code runs/<id>/model_card.json} and {@code MODEL_CARD.md}, completed by
 * {@code tune} (the post-processing) and by {@code predict} when it knows the truth (the test
 * score). Every figure comes from the run's own outputs. (The per-model-file metadata that
 * rebuilds a model is {@link io.sparkseg.core.nn.ModelCard}, {@code best.json}.)
 *
 * @param runId the training run
 * @param updatedAt ISO-8601 time of the last update
 * @param task what the models do, in words
 * @param classNames a name per class, class 1 first
 * @param data the training data
 * @param model architecture and weights
 * @param training the training settings, as text
 * @param folds per fold: best epoch, validation metrics, device, time
 * @param meanSd per metric key (e.g. {@code dice.1}, {@code dice.mean}): mean and sample sd
 *     over folds
 * @param postProcessing the tuned rules, or null before {@code tune}
 * @param testScore the score on held-out images with known truth, or null
 * @param environment versions and devices
 */
public record RunCard(String runId, String updatedAt, String task, List<String> classNames,
    Data data, Model model, String training, List<Fold> folds, Map<String, double[]> meanSd,
    PostProcessing postProcessing, TestScore testScore, Environment environment) {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
      .serializeSpecialFloatingPointValues().create();
  public static final String JSON = "model_card.json";
  public static final String MARKDOWN = "MODEL_CARD.md";
  /** Classes seen in fewer training images than this are called out as unreliable. */
  public static final int FEW_IMAGES = 30;

  /**
   * @param table the tiles table and version trained on
   * @param source the data folder the images came from
   * @param kind the dataset kind
   * @param imagesPerFold images in each fold (all folds, also those not trained)
   * @param imagesPerClass images in which each class is present, class 1 first
   * @param imageSize image height × width
   * @param tiling tile size and stride
   */
  public record Data(String table, String source, String kind, List<Long> imagesPerFold,
      List<Long> imagesPerClass, String imageSize, String tiling) {}

  /** @param weights where the encoder's initial weights came from */
  public record Model(String architecture, String encoder, int[] decoderChannels, int classes,
      String activation, String weights) {}

  public record Fold(int fold, int bestEpoch, int epochsRun, Map<String, Double> metrics,
      String device, double seconds) {}

  /**
   * Per class (class 1 first): the rule and its out-of-fold Dice, and the default rule's.
   * {@code maxAreas} (0 = none) is null in cards written before it existed.
   */
  public record PostProcessing(String source, long images, List<Float> thresholds,
      List<Integer> minAreas, List<Integer> maxAreas, List<Float> gates, List<Double> dice,
      List<Double> defaultDice) {
    /** Class {@code c}'s maximum area as shown to people: "-" for none. */
    public String maxArea(int c) {
      return ClassRule.maxAreaText(maxAreas == null ? 0 : maxAreas.get(c));
    }
  }

  /**
   * A score on {@code images} held-out images and its baseline's: Kaggle's mean Dice and the
   * empty submission's, or ({@code metric} "mIoU") the class maps' mIoU and the majority class
   * everywhere. Cards written before {@code metric} was recorded hold Dice. {@code combination}
   * says how predict combined the models (e.g. {@code 3 model(s) + flip TTA, the folds' maximum
   * for classes [1, 2]}); null in cards written before it was recorded.
   */
  public record TestScore(String truth, long images, double dice, double emptyBaseline,
      String scoredAt, String metric, String combination) {
    public TestScore(String truth, long images, double dice, double emptyBaseline,
        String scoredAt) {
      this(truth, images, dice, emptyBaseline, scoredAt, null, null);
    }

    /** " with ..." naming how the models were combined, or "" when not recorded. */
    public String scoredWith() {
      return combination == null ? "" : " with " + combination;
    }

    /** True for the class maps' mIoU. */
    public boolean miou() {
      return "mIoU".equals(metric);
    }
  }

  public record Environment(String sparksegVersion, String gitCommit, String djl,
      String engine, String java, String spark, List<String> devices) {}

  public RunCard withPostProcessing(PostProcessing p, String at) {
    return new RunCard(runId, at, task, classNames, data, model, training, folds, meanSd, p,
        testScore, environment);
  }

  public RunCard withTestScore(TestScore t, String at) {
    return new RunCard(runId, at, task, classNames, data, model, training, folds, meanSd,
        postProcessing, t, environment);
  }

  public String toJson() {
    return GSON.toJson(this);
  }

  public static RunCard fromJson(String json, String source) {
    try {
      RunCard c = GSON.fromJson(json, RunCard.class);
      if (c == null || c.runId() == null || c.folds() == null) {
        throw new IllegalArgumentException("no run id or folds");
      }
      return c;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": not a sparkseg model card: "
          + e.getMessage(), e);
    }
  }

  /** What the data and results do not cover, derived from the card's own figures. */
  public List<String> limitations() {
    List<String> out = new ArrayList<>();
    if (testScore == null) {
      out.add("No held-out test score: the metrics are out-of-fold validation on the training "
          + "distribution. Score labelled images of the intended use (predict with "
          + "predict.truth-csv, or dataset.test-labels for class maps) before relying on the "
          + "models.");
    }
    for (int c = 0; c < classNames.size() && c < data.imagesPerClass().size(); c++) {
      long n = data.imagesPerClass().get(c);
      if (n < FEW_IMAGES) {
        out.add(String.format(Locale.ROOT, "Class %d (%s) is present in only %d training "
            + "image(s): its metrics rest on few examples and the models may miss it.", c + 1,
            classNames.get(c), n));
      }
      double[] sd = meanSd.get("dice." + (c + 1));
      if (sd != null && folds.size() > 1 && sd[1] > 0.1) {
        out.add(String.format(Locale.ROOT, "Class %d (%s) varies strongly between folds "
            + "(Dice %.3f ± %.3f): expect unstable results on it.", c + 1, classNames.get(c),
            sd[0], sd[1]));
      }
    }
    out.add("Trained on " + data.imageSize() + " images from " + data.source() + " ("
        + data.kind() + "), cut into " + data.tiling() + ". Images of other sizes, cameras, "
        + "lighting or subjects were not seen; predict refuses other sizes rather than guess.");
    if (model.weights().startsWith("random")) {
      out.add("The encoder started from random weights (no pretrained encoder): features are "
          + "learned from this data alone.");
    }
    return out;
  }

  /** The card as Markdown. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Model card: run ").append(runId).append("\n\n");
    md.append("Updated ").append(updatedAt).append(". Generated by sparkseg from the run's "
        + "outputs (`summary.json`, `postprocessing.json`, the tables); `model_card.json` holds "
        + "the same figures.\n\n");
    md.append("## Task and intended use\n\n").append(task).append(" Classes: ");
    for (int c = 0; c < classNames.size(); c++) {
      md.append(c == 0 ? "" : ", ").append(c + 1).append(" = ").append(classNames.get(c));
    }
    md.append(".\n\nIntended use: batch scoring of images like the training data (same source, "
        + "size and classes) with `sparkseg predict` or the exported ONNX file; a human review "
        + "of flagged images where a miss is costly.\n\n");
    md.append("## Data\n\n");
    md.append("- table: `").append(data.table()).append("`\n");
    md.append("- source: `").append(data.source()).append("` (").append(data.kind())
        .append(")\n");
    md.append("- images: ").append(data.imageSize()).append(", ").append(data.tiling())
        .append("\n");
    md.append("- images per fold: ").append(data.imagesPerFold()).append(" (")
        .append(data.imagesPerFold().stream().mapToLong(Long::longValue).sum())
        .append(" in all)\n");
    md.append("- images per class:");
    for (int c = 0; c < data.imagesPerClass().size(); c++) {
      md.append(c == 0 ? " " : ", ").append(classNames.get(c)).append(' ')
          .append(data.imagesPerClass().get(c));
    }
    md.append("\n\n## Model\n\n");
    md.append(String.format(Locale.ROOT, "%s with a %s encoder, decoder channels %s, %d classes, "
            + "%s output. Encoder weights: %s.%n%n", model.architecture(), model.encoder(),
        java.util.Arrays.toString(model.decoderChannels()), model.classes(), model.activation(),
        model.weights()));
    md.append("Training settings: `").append(training).append("`\n\n");
    md.append("## Validation (out-of-fold, best epoch per fold)\n\n");
    List<String> keys = metricKeys();
    md.append("| fold | epoch |");
    keys.forEach(k -> md.append(' ').append(k).append(" |"));
    md.append(" device | seconds |\n|---|---|");
    keys.forEach(k -> md.append("---|"));
    md.append("---|---|\n");
    for (Fold f : folds) {
      md.append("| ").append(f.fold()).append(" | ").append(f.bestEpoch()).append(" |");
      keys.forEach(k -> md.append(String.format(Locale.ROOT, " %.4f |",
          f.metrics().getOrDefault(k, Double.NaN))));
      md.append(String.format(Locale.ROOT, " %s | %.0f |%n", f.device(), f.seconds()));
    }
    md.append("| mean ± sd | |");
    keys.forEach(k -> {
      double[] v = meanSd.get(k);
      md.append(v == null ? " |" : String.format(Locale.ROOT, " %.4f ± %.4f |", v[0], v[1]));
    });
    md.append(" | |\n\n");
    md.append("## Post-processing\n\n");
    if ("softmax".equals(model.activation())) {
      md.append("None: a softmax model's class map is the argmax of its probabilities.\n\n");
    } else if (postProcessing == null) {
      md.append("Not tuned (run `sparkseg tune`): predict uses threshold 0.5 and no minimum "
          + "area.\n\n");
    } else {
      md.append("Tuned on ").append(postProcessing.images()).append(" out-of-fold images (`")
          .append(postProcessing.source()).append("`).\n\n");
      md.append("| class | threshold | min area | max area | gate | oof Dice | at 0.5, no area |\n"
          + "|---|---|---|---|---|---|---|\n");
      for (int c = 0; c < postProcessing.thresholds().size(); c++) {
        md.append(String.format(Locale.ROOT, "| %d %s | %.2f | %d | %s | %.2f | %.4f | %.4f |%n",
            c + 1, classNames.get(c), postProcessing.thresholds().get(c),
            postProcessing.minAreas().get(c), postProcessing.maxArea(c),
            postProcessing.gates().get(c),
            postProcessing.dice().get(c), postProcessing.defaultDice().get(c)));
      }
      md.append('\n');
    }
    md.append("## Test score\n\n");
    md.append(testScore == null ? "None yet: no prediction of this run has been scored against "
        + "truth.\n\n" : String.format(Locale.ROOT, "%s %.4f on %d held-out images (`%s`, %s%s); "
            + "%s scores %.4f.%n%n", testScore.miou() ? "mIoU" : "Kaggle mean Dice",
        testScore.dice(), testScore.images(), testScore.truth(), testScore.scoredAt(),
        testScore.scoredWith(),
        testScore.miou() ? "the majority class everywhere" : "the empty submission",
        testScore.emptyBaseline()));
    md.append("## Limitations\n\n");
    limitations().forEach(l -> md.append("- ").append(l).append('\n'));
    md.append("\n## Environment\n\n");
    md.append("sparkseg ").append(environment.sparksegVersion()).append(", git commit `")
        .append(environment.gitCommit()).append("`, DJL ").append(environment.djl())
        .append(", ").append(environment.engine()).append(", Java ").append(environment.java())
        .append(", Spark ").append(environment.spark()).append("; trained on ")
        .append(environment.devices()).append(".\n");
    return md.toString();
  }

  /** Metric keys in a stable order: Dice per class, mean Dice, then the rest by name. */
  private List<String> metricKeys() {
    Map<String, Boolean> keys = new LinkedHashMap<>();
    for (int c = 1; c <= classNames.size(); c++) {
      keys.put("dice." + c, true);
    }
    keys.put("dice.mean", true);
    folds.stream().flatMap(f -> f.metrics().keySet().stream()).sorted()
        .filter(k -> k.startsWith("iou.mean") || k.equals("miou"))
        .forEach(k -> keys.put(k, true));
    return new ArrayList<>(keys.keySet());
  }
}
