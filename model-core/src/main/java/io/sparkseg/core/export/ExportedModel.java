package io.sparkseg.core.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.tiling.TileGeometry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a consumer of an exported ONNX file needs to reproduce {@code predict}'s output from the
 * file alone, written as the JSON sidecar {@code <name>.json} and, the same JSON, as the ONNX
 * {@code metadata_props} entry {@value #METADATA_KEY} (with a few fields also as plain keys).
 *
 * @param format {@value #FORMAT}
 * @param runId the training run
 * @param models what the graph averages, e.g. {@code [fold-0, fold-1]}
 * @param architecture smp architecture name
 * @param encoder smp encoder name
 * @param classes number of output channels
 * @param classNames a name per class
 * @param activation sigmoid or softmax (inside the graph)
 * @param flipTta whether the graph averages the horizontal mirror (then consumers must not)
 * @param foldMaxClasses classes (1-based) whose models the graph combines by their pixel-wise
 *     maximum instead of their mean ({@code predict.fold-max-classes}); absent in sidecars
 *     written before it existed, which read as none (the mean for every class)
 * @param input input name; float32 [N, 3, H, W], RGB 0..255, H and W multiples of {@code stride}
 * @param output output name; float32 [N, C, H, W] probabilities
 * @param stride H and W must be multiples of it
 * @param normalizationMean per-channel mean inside the graph (after scaling to 0..1)
 * @param normalizationStd per-channel std inside the graph
 * @param tileHeight tile the models were trained on
 * @param tileWidth tile width
 * @param imageHeight image height the tiling covers
 * @param imageWidth image width the tiling covers
 * @param tileStride horizontal tile stride
 * @param thresholds per-class probability threshold of the post-processing
 * @param minAreas per-class minimum component area (pixels) of the post-processing
 * @param maxAreas per-class maximum component area (pixels, 0 = none); absent in sidecars
 *     written before it existed, which read as no maximum
 * @param minMaxProbabilities per-class minimum of the image's max probability
 * @param postProcessingSource where the rules came from (the run's tuning file, or defaults)
 * @param opset ONNX operator set
 * @param sparksegVersion exporting sparkseg version
 * @param createdAt ISO-8601 time of export
 */
public record ExportedModel(String format, String runId, List<String> models, String architecture,
    String encoder, int classes, List<String> classNames, String activation, boolean flipTta,
    List<Integer> foldMaxClasses, String input, String output, int stride,
    float[] normalizationMean, float[] normalizationStd,
    int tileHeight, int tileWidth, int imageHeight, int imageWidth, int tileStride,
    float[] thresholds, int[] minAreas, int[] maxAreas, float[] minMaxProbabilities,
    String postProcessingSource,
    int opset, String sparksegVersion, String createdAt) {
  public static final String FORMAT = "sparkseg-onnx/1";
  public static final String METADATA_KEY = "sparkseg";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  /** The description of an export of {@code spec} with these settings. */
  public static ExportedModel of(String runId, List<String> models, ModelSpec spec,
      List<String> classNames, boolean flipTta, List<Integer> foldMaxClasses, float[] mean,
      float[] std,
      TileGeometry geometry, PostProcessor post, String postProcessingSource, String version,
      String createdAt) {
    int c = spec.classes();
    if (post.classes() != c || classNames.size() != c) {
      throw new IllegalArgumentException("the model has " + c + " classes; post-processing has "
          + post.classes() + " rules and " + classNames.size() + " class names");
    }
    float[] thresholds = new float[c];
    int[] minAreas = new int[c];
    int[] maxAreas = new int[c];
    float[] minMax = new float[c];
    for (int i = 0; i < c; i++) {
      ClassRule r = post.rules().get(i);
      thresholds[i] = r.threshold();
      minAreas[i] = r.minArea();
      maxAreas[i] = r.maxArea();
      minMax[i] = r.minMaxProbability();
    }
    return new ExportedModel(FORMAT, runId, List.copyOf(models),
        spec.architecture().smpName(), spec.encoder(), c, List.copyOf(classNames),
        spec.activation().name().toLowerCase(Locale.ROOT), flipTta,
        List.copyOf(foldMaxClasses), OnnxExport.INPUT,
        OnnxExport.OUTPUT, 32, mean.clone(), std.clone(), geometry.tileHeight(),
        geometry.tileWidth(), geometry.imageHeight(), geometry.imageWidth(), geometry.stride(),
        thresholds, minAreas, maxAreas, minMax, postProcessingSource,
        io.sparkseg.core.onnx.OnnxGraph.OPSET, version, createdAt);
  }

  /** The fold-maximum classes; none (empty) for descriptions written before they existed. */
  @Override
  public List<Integer> foldMaxClasses() {
    return foldMaxClasses == null ? List.of() : foldMaxClasses;
  }

  /** The post-processing rules the sidecar carries, one per class. */
  public PostProcessor postProcessor() {
    List<ClassRule> rules = new ArrayList<>();
    for (int i = 0; i < classes; i++) {
      rules.add(new ClassRule(thresholds[i], minAreas[i], maxAreas == null ? 0 : maxAreas[i],
          minMaxProbabilities[i]));
    }
    return new PostProcessor(rules);
  }

  public TileGeometry tileGeometry() {
    return new TileGeometry(imageHeight, imageWidth, tileHeight, tileWidth, tileStride);
  }

  public String toJson() {
    return GSON.toJson(this);
  }

  /** Parses a sidecar; {@code source} names the file in errors. */
  public static ExportedModel fromJson(String json, String source) {
    ExportedModel m;
    try {
      m = GSON.fromJson(json, ExportedModel.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": not a sparkseg ONNX description: "
          + e.getMessage(), e);
    }
    if (m == null || !FORMAT.equals(m.format())) {
      throw new IllegalArgumentException(source + ": not a sparkseg ONNX description (format "
          + (m == null ? "missing" : m.format()) + ", expected " + FORMAT + ")");
    }
    List<String> missing = new ArrayList<>();
    if (m.input() == null) {
      missing.add("input");
    }
    if (m.output() == null) {
      missing.add("output");
    }
    if (m.thresholds() == null || m.thresholds().length != m.classes()) {
      missing.add("thresholds (one per class)");
    }
    if (m.minAreas() == null || m.minAreas().length != m.classes()) {
      missing.add("minAreas (one per class)");
    }
    if (m.maxAreas() != null && m.maxAreas().length != m.classes()) {
      missing.add("maxAreas (one per class, when present)");
    }
    if (m.minMaxProbabilities() == null || m.minMaxProbabilities().length != m.classes()) {
      missing.add("minMaxProbabilities (one per class)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(source + ": the sparkseg ONNX description lacks "
          + String.join(", ", missing));
    }
    return m;
  }

  /** The ONNX {@code metadata_props}: the whole description, and a few fields for people. */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(METADATA_KEY, toJson());
    m.put("run_id", runId);
    m.put("classes", String.join(",", classNames));
    m.put("activation", activation);
    m.put("thresholds", Arrays.toString(thresholds));
    m.put("min_areas", Arrays.toString(minAreas));
    if (maxAreas != null && Arrays.stream(maxAreas).anyMatch(a -> a > 0)) {
      m.put("max_areas", Arrays.toString(maxAreas));
    }
    if (!foldMaxClasses().isEmpty()) {
      m.put("fold_max_classes", foldMaxClasses().toString()); // combined in the graph
    }
    m.put("input", input + ": float32 [N,3,H,W] RGB 0..255, H and W multiples of " + stride);
    m.put("output", output + ": float32 [N," + classes + ",H,W] " + activation
        + " probabilities");
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExportedModel e && toJson().equals(e.toJson());
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "ExportedModel[" + runId + " " + architecture + "(" + encoder + ") " + classes
        + " classes " + activation + (flipTta ? " +flip" : "")
        + (foldMaxClasses().isEmpty() ? "" : " max" + foldMaxClasses()) + "]";
  }
}
