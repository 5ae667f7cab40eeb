package io.sparkseg.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.LrSchedule;
import io.sparkseg.core.train.Optimizer;
import io.sparkseg.core.train.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads {@link SparksegConfig}: the defaults in {@code conf/application.conf} (shipped in the
 * jar), environment variables named there, an optional user file, then {@code --conf}
 * overrides. Every problem — unknown key, wrong type, bad enum value, value out of range — is
 * collected and reported together, each with its key, by {@link ConfigValidationException}.
 */
public final class ConfigLoader {
  private static final String PRESETS = "io/sparkseg/core/config/";
  static final String DEFAULTS_RESOURCE = PRESETS + "application.conf";
  /** conf/demo.conf: the settings {@code run} uses on the generated demo data. */
  public static final String DEMO_PRESET = "demo.conf";
  private static final String ROOT = "sparkseg";
  private static final String SPARK_CONF = "sparkseg.spark.conf";
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

  private ConfigLoader() {}

  /** Defaults + process environment + overrides. */
  public static SparksegConfig load(Path userFile, Map<String, String> overrides) {
    return load(userFile, overrides, System.getenv());
  }

  /**
   * Defaults + {@code env} + user file (may be null) + overrides ({@code key=value} pairs as given
   * with {@code --conf}; see {@link #overrideKey}).
   */
  public static SparksegConfig load(Path userFile, Map<String, String> overrides,
      Map<String, String> env) {
    return load(null, userFile, overrides, env);
  }

  /**
   * As {@link #load(Path, Map, Map)} with a preset shipped beside the defaults (e.g.
   * {@link #DEMO_PRESET}) layered over them and under the user file; null = none.
   */
  public static SparksegConfig load(String preset, Path userFile, Map<String, String> overrides,
      Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Config defaults = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(),
        DEFAULTS_RESOURCE, ConfigParseOptions.defaults().setAllowMissing(false));
    if (preset != null) {
      Config presetConfig = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(),
          PRESETS + preset, ConfigParseOptions.defaults().setAllowMissing(false));
      unknownKeys(defaults, presetConfig, "preset " + preset, problems);
      defaults = presetConfig.withFallback(defaults);
    }
    Config user = ConfigFactory.empty();
    if (userFile != null) {
      if (!Files.isRegularFile(userFile)) {
        throw new ConfigValidationException(List.of("--config: file not found: " + userFile));
      }
      try {
        user = ConfigFactory.parseFile(userFile.toFile());
      } catch (ConfigException e) {
        throw new ConfigValidationException(List.of("--config " + userFile + ": " + e.getMessage()));
      }
    }
    Config cli = ConfigFactory.empty("--conf");
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = overrideKey(e.getKey());
      try {
        ConfigUtil.splitPath(key);
        cli = cli.withValue(key, overrideValue(e.getKey(), e.getValue()));
      } catch (ConfigException ex) {
        problems.add("--conf " + e.getKey() + ": not a valid key or value ("
            + (looksSecret(e.getKey()) ? "the value is not shown: the key looks secret"
                : ex.getMessage()) + ")");
      }
    }
    Config envConfig = ConfigFactory.parseMap(env.entrySet().stream()
        .filter(x -> ENV_NAME.matcher(x.getKey()).matches())
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "environment");

    // unknown keys are reported with every other problem, not instead of them
    unknownKeys(defaults, user, "--config " + userFile, problems);
    unknownKeys(defaults, cli, "--conf", problems);
    Config merged;
    try {
      merged = cli.withFallback(user).withFallback(defaults).withFallback(envConfig)
          .resolve(ConfigResolveOptions.noSystem())
          .getConfig(ROOT);
    } catch (ConfigException e) {
      problems.add(e.getMessage());
      throw new ConfigValidationException(problems);
    }
    String imagesKey = ROOT + ".predict.images";
    // (the layers are unresolved: read their trees, as hasPath would try to resolve)
    if ((leafPaths(cli.root(), List.of()).contains(imagesKey)
        || leafPaths(user.root(), List.of()).contains(imagesKey))
        && merged.hasPath("predict.images-table")
        && !merged.getValue("predict.images-table").unwrapped().toString().isBlank()) {
      problems.add(imagesKey + " (--images) and " + ROOT + ".predict.images-table both name "
          + "the images to score: give one (the table is '"
          + merged.getValue("predict.images-table").unwrapped() + "')");
    }
    SparksegConfig config = build(new Reader(merged, problems));
    if (!problems.isEmpty()) {
      throw new ConfigValidationException(problems);
    }
    return config;
  }

  /**
   * Whether a key's value may be a credential (it is then never echoed in a message): its
   * last part names a secret, password, token, credential or an access/secret key.
   */
  public static boolean looksSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("secret") || k.contains("password") || k.contains("token")
        || k.contains("credential") || k.endsWith(".key") || k.contains("access.key")
        || k.contains("session");
  }

  /**
   * A {@code --conf} value: Spark settings ({@code spark.*}) are strings, as Spark reads them;
   * other values are HOCON for lists and objects ({@code [1, 2]}), otherwise a string.
   */
  private static ConfigValue overrideValue(String key, String value) {
    String v = value.trim();
    if (!key.trim().startsWith("spark.") && (v.startsWith("[") || v.startsWith("{"))) {
      return ConfigFactory.parseString("v = " + v,
          ConfigParseOptions.defaults().setOriginDescription("--conf " + key)).getValue("v");
    }
    return ConfigValueFactory.fromAnyRef(value, "--conf " + key);
  }

  /**
   * Maps a {@code --conf} key to its config path: {@code spark.*} keys go to
   * {@code sparkseg.spark.conf} verbatim, {@code sparkseg.*} stays, anything else gets the
   * {@code sparkseg.} prefix (so {@code folds.k=3} works).
   */
  public static String overrideKey(String key) {
    String k = key.trim();
    if (k.startsWith("spark.")) {
      return SPARK_CONF + "." + ConfigUtil.quoteString(k);
    }
    return k.startsWith(ROOT + ".") ? k : ROOT + "." + k;
  }

  private static void unknownKeys(Config defaults, Config layer, String origin,
      List<String> problems) {
    Config known = defaults.resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true));
    for (String key : leafPaths(layer.root(), List.of())) {
      if (key.startsWith(SPARK_CONF + ".") || known.hasPathOrNull(key)) {
        continue;
      }
      if (!key.startsWith(ROOT + ".")) {
        problems.add(origin + ": unknown key '" + key + "': all settings live under '" + ROOT + "'");
        continue;
      }
      List<String> parts = ConfigUtil.splitPath(key);
      String parent = ConfigUtil.joinPath(parts.subList(0, parts.size() - 1));
      String hint = known.hasPath(parent) && known.getValue(parent).valueType()
          == ConfigValueType.OBJECT
          ? "; known keys under " + parent + ": " + String.join(", ",
              new TreeSet<>(known.getConfig(parent).root().keySet()))
          : "";
      problems.add(origin + ": unknown key '" + key + "'" + hint);
    }
  }

  /** Leaf paths of a possibly unresolved tree (entrySet() would fail on substitutions). */
  private static List<String> leafPaths(ConfigObject object, List<String> prefix) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      if (e.getValue() instanceof ConfigObject child) {
        out.addAll(leafPaths(child, path));
      } else {
        out.add(ConfigUtil.joinPath(path));
      }
    }
    return out;
  }

  private static SparksegConfig build(Reader r) {
    String workDir = r.path("work-dir");
    SparksegConfig.Data data = new SparksegConfig.Data(
        r.path("data.dir"), r.path("data.train-images"), r.path("data.train-csv"),
        r.path("data.test-images"), r.string("data.image-glob"),
        r.intAtLeast("data.image-height", 1), r.intAtLeast("data.image-width", 1),
        r.intAtLeast("data.classes", 1), resizeMode(r));
    SparksegConfig.Tables tables = new SparksegConfig.Tables(
        r.enumValue("tables.format", TableFormat.class), r.path("tables.dir"));
    SparksegConfig.Folds folds = new SparksegConfig.Folds(r.intAtLeast("folds.k", 2),
        r.longValue("folds.seed"));
    SparksegConfig.Tiles tiles = new SparksegConfig.Tiles(r.intAtLeast("tiles.height", 1),
        r.intAtLeast("tiles.width", 1), r.intAtLeast("tiles.stride", 1));
    SparksegConfig.Demo demo = new SparksegConfig.Demo(r.intAtLeast("demo.train-images", 0),
        r.intAtLeast("demo.test-images", 0), r.fraction("demo.clean-fraction"),
        r.longValue("demo.seed"), new SparksegConfig.SceneDemo(
            r.intAtLeast("demo.scene.train-sequences", 1),
            r.intAtLeast("demo.scene.test-sequences", 0), r.intAtLeast("demo.scene.frames", 1)));
    SparksegConfig.Spark spark = new SparksegConfig.Spark(r.string("spark.master"),
        r.string("spark.app-name"), r.stringMap("spark.conf"));
    TrainConfig train = trainConfig(r, data.classes());
    SparksegConfig.Tune tune = new SparksegConfig.Tune(
        toFloats(r.ruleList("tune.thresholds", -1, 0.0, 1.0, true)),
        r.ruleList("tune.min-areas", -1, 0.0, 1e9, false).stream().mapToInt(Double::intValue)
            .toArray(),
        r.ruleList("tune.max-areas", -1, 0.0, 1e9, false).stream().mapToInt(Double::intValue)
            .toArray());
    if (tune.thresholds().length == 0 || tune.minAreas().length == 0
        || tune.maxAreas().length == 0) {
      r.problems.add(ROOT + ".tune: thresholds, min-areas and max-areas need at least one value "
          + "each");
    }
    SparksegConfig.Predict predict = predictConfig(r, data.classes());
    if (r.problems.isEmpty()) {
      r.check("tiles", () -> new TileGeometry(data.imageHeight(), data.imageWidth(),
          tiles.height(), tiles.width(), tiles.stride()));
    }
    SparksegConfig.DatasetKind kind = r.parsed("dataset.kind",
        () -> SparksegConfig.DatasetKind.of(r.c.getString("dataset.kind")));
    SparksegConfig.Photos photos = photosConfig(r, data.classes());
    if (kind == SparksegConfig.DatasetKind.PERSON_PHOTOS && photos != null && photos.roi() != null
        && (data.imageHeight() != photos.roi().size() || data.imageWidth() != photos.roi().size())) {
      r.problems.add(ROOT + ".data.image-height/image-width: person photos are cropped to "
          + "roi.size " + photos.roi().size() + "x" + photos.roi().size() + ", so the image size "
          + "must be the same, but it is " + data.imageHeight() + "x" + data.imageWidth());
    }
    SparksegConfig.MultiClass multiClass = multiClassConfig(r, kind, data.classes());
    if (kind != null && kind.multiClass()
        && train != null && train.model() != null
        && train.model().activation() != io.sparkseg.core.nn.ModelSpec.Activation.SOFTMAX) {
      r.problems.add(ROOT + ".model.activation: dataset.kind " + kind.code() + " has one class "
          + "per pixel: set model.activation = softmax (and a softmax loss, e.g. train.loss = "
          + "ce-dice)");
    }
    return new SparksegConfig(workDir, data, tables, folds, tiles, demo, train, tune, predict,
        spark, kind == null ? SparksegConfig.DatasetKind.SEVERSTAL : kind, photos, multiClass);
  }

  private static io.sparkseg.core.geometry.Fit.Mode resizeMode(Reader r) {
    String mode = r.string("data.resize");
    if (mode.equals("none")) {
      return null;
    }
    return r.parsed("data.resize", () -> io.sparkseg.core.geometry.Fit.Mode.of(mode));
  }

  /** The multi-class settings; for those families, checked against data.classes. */
  private static SparksegConfig.MultiClass multiClassConfig(Reader r,
      SparksegConfig.DatasetKind kind, int classes) {
    boolean active = kind != null && kind.multiClass();
    List<String> include = r.parsed("dataset.sequences",
        () -> List.copyOf(r.c.getStringList("dataset.sequences")));
    io.sparkseg.core.scene.Palette palette = r.parsed("dataset.palette", () -> palette(r.c));
    int ignoreValue = r.intAtLeast("dataset.ignore-value", 0);
    List<String> categories = r.parsed("dataset.coco.categories",
        () -> List.copyOf(r.c.getStringList("dataset.coco.categories")));
    String crowd = r.string("dataset.coco.crowd");
    if (!crowd.equals("ignore") && !crowd.equals("class")) {
      r.problems.add(ROOT + ".dataset.coco.crowd: expected one of ignore, class but got '"
          + crowd + "'");
    }
    io.sparkseg.core.scene.LabelDecoder decoder = null;
    if (kind == SparksegConfig.DatasetKind.SCENE && palette != null) {
      decoder = io.sparkseg.core.scene.LabelDecoder.palette(palette);
    } else if (kind != null && kind.multiClass()) {
      int ignore = ignoreValue;
      decoder = r.parsed("dataset.ignore-value",
          () -> io.sparkseg.core.scene.LabelDecoder.indices(classes, ignore));
    }
    if (active && decoder != null) {
      int expected = kind == SparksegConfig.DatasetKind.COCO && categories != null
          && !categories.isEmpty() ? categories.size() : decoder.classes();
      if (expected != classes) {
        r.problems.add(ROOT + ".data.classes: dataset.kind " + kind.code() + " has " + expected
            + (kind == SparksegConfig.DatasetKind.SCENE ? " palette classes " + palette
                .classNames() : kind == SparksegConfig.DatasetKind.COCO
                ? " categories " + categories : " classes") + " but data.classes = " + classes);
      }
    }
    return new SparksegConfig.MultiClass(r.path("dataset.labels"),
        include == null ? java.util.Set.of() : new java.util.LinkedHashSet<>(include), decoder,
        r.optionalPath("dataset.test-labels"), r.path("dataset.class-maps-dir"),
        r.path("dataset.coco.annotations"), categories == null ? List.of() : categories,
        crowd.equals("ignore"));
  }

  /** {@code dataset.palette}: "carla" or a list of {name, colour = "#RRGGBB", ignore}. */
  private static io.sparkseg.core.scene.Palette palette(Config c) {
    ConfigValue v = c.getValue("dataset.palette");
    if (v.valueType() == ConfigValueType.STRING) {
      String name = c.getString("dataset.palette");
      if (!name.equals("carla")) {
        throw new IllegalArgumentException("expected carla or a list of {name, colour} entries "
            + "but got '" + name + "'");
      }
      return io.sparkseg.core.scene.Palette.carla();
    }
    List<String> names = new ArrayList<>();
    List<Integer> colours = new ArrayList<>();
    java.util.Set<String> ignored = new java.util.HashSet<>();
    int i = 0;
    for (Config e : c.getConfigList("dataset.palette")) {
      String name = e.getString("name");
      String colour = e.getString("colour").trim();
      if (!colour.matches("#[0-9A-Fa-f]{6}")) {
        throw new IllegalArgumentException("entry " + i + " (" + name + "): colour '" + colour
            + "' is not #RRGGBB");
      }
      names.add(name);
      colours.add(Integer.parseInt(colour.substring(1), 16));
      if (e.hasPath("ignore") && e.getBoolean("ignore")) {
        ignored.add(name);
      }
      i++;
    }
    return new io.sparkseg.core.scene.Palette(names,
        colours.stream().mapToInt(Integer::intValue).toArray(), ignored);
  }

  private static SparksegConfig.Photos photosConfig(Reader r, int classes) {
    Map<String, Integer> labels = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ConfigValue> e : r.c.getObject("photos.labels").entrySet()) {
        Object v = e.getValue().unwrapped();
        if (!(v instanceof Number n) || n.intValue() != n.doubleValue() || n.intValue() < 1
            || n.intValue() > classes) {
          r.problems.add(ROOT + ".photos.labels.\"" + e.getKey() + "\": expected a class id in 1.."
              + classes + " but got " + e.getValue().render());
        } else {
          labels.put(e.getKey(), n.intValue());
        }
      }
    } catch (ConfigException e) {
      r.problems.add(ROOT + ".photos.labels: expected an object of label = class id: "
          + e.getMessage());
    }
    String kind = r.string("detector.kind");
    if (!kind.equals("hog") && !kind.equals("yolo-seg")) {
      r.problems.add(ROOT + ".detector.kind: expected one of hog, yolo-seg but got '" + kind + "'");
    }
    String model = r.optionalPath("detector.model");
    if (kind.equals("yolo-seg") && model.isEmpty()) {
      r.problems.add(ROOT + ".detector.model: the yolo-seg detector needs an ultralytics export "
          + "(.onnx or .torchscript)");
    }
    io.sparkseg.core.detect.YoloSeg yolo = r.parsed("detector", () -> new io.sparkseg.core.detect
        .YoloSeg(r.c.getInt("detector.image-size"), (float) r.c.getDouble("detector.confidence"),
        (float) r.c.getDouble("detector.iou"),
        r.c.getIntList("detector.classes").stream().mapToInt(Integer::intValue).toArray(), 300));
    io.sparkseg.core.detect.HogPeople hog = r.parsed("detector.hog", () ->
        new io.sparkseg.core.detect.HogPeople(r.c.getInt("detector.hog.win-stride"),
            r.c.getInt("detector.hog.padding"), r.c.getDouble("detector.hog.scale"),
            r.c.getInt("detector.hog.group-threshold"), r.c.getInt("detector.hog.max-side"),
            r.c.getDouble("detector.hog.min-score")));
    io.sparkseg.core.detect.Roi roi = r.parsed("roi", () -> new io.sparkseg.core.detect.Roi(
        r.c.getDouble("roi.head-margin"), r.c.getDouble("roi.torso-top"),
        r.c.getDouble("roi.torso-bottom"), r.c.getDouble("roi.width-multiplier"),
        r.c.getDouble("roi.box-torso-width"), r.c.getInt("roi.size")));
    io.sparkseg.core.detect.Roi.Fallback fallback = r.parsed("roi.fallback",
        () -> io.sparkseg.core.detect.Roi.Fallback.of(r.c.getString("roi.fallback")));
    List<Float> scan = r.ruleList("photos.scan-thresholds", -1, 0.0, 1.0, true).stream()
        .map(Double::floatValue).toList();
    for (int i = 1; i < scan.size(); i++) {
      if (scan.get(i) >= scan.get(i - 1)) {
        r.problems.add(ROOT + ".photos.scan-thresholds: must decrease (highest first), got "
            + scan);
        break;
      }
    }
    return new SparksegConfig.Photos(r.path("photos.images"), r.path("photos.annotations"),
        labels, r.optionalPath("photos.test-annotations"), r.path("photos.masks-dir"),
        new SparksegConfig.Detector(kind, model, yolo, hog), roi,
        fallback == null ? io.sparkseg.core.detect.Roi.Fallback.CENTER : fallback, scan,
        r.intAtLeast("photos.demo-train-photos", 0), r.intAtLeast("photos.demo-test-photos", 0),
        r.optionalPath("photos.demo-base"));
  }

  private static SparksegConfig.Predict predictConfig(Reader r, int classes) {
    String runId = r.optionalString("predict.run-id");
    if (!runId.isEmpty() && !runId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      r.problems.add(ROOT + ".predict.run-id: '" + runId + "' must be letters, digits, '.', '_' "
          + "or '-' (it names a folder)");
    }
    String model = r.optionalPath("predict.model");
    if (!model.isEmpty() && !model.endsWith(".safetensors")
        && !model.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
      r.problems.add(ROOT + ".predict.model: expected a .safetensors file (with its .json card "
          + "beside it) or an exported .onnx file (bin/sparkseg export) but got '" + model + "'");
    }
    String layout = r.string("predict.submission-layout");
    io.sparkseg.core.severstal.Submission.Layout submissionLayout = r.parsed(
        "predict.submission-layout", () -> io.sparkseg.core.severstal.Submission.Layout.of(layout));
    List<Float> thresholds = r.ruleList("predict.thresholds", classes, 0.0, 1.0, true).stream()
        .map(Double::floatValue).toList();
    List<Integer> minAreas = r.ruleList("predict.min-areas", classes, 0.0, 1e9, false).stream()
        .map(Double::intValue).toList();
    List<Integer> maxAreas = r.ruleList("predict.max-areas", classes, 0.0, 1e9, false).stream()
        .map(Double::intValue).toList();
    List<Float> gate = r.ruleList("predict.gate", classes, 0.0, 1.0, false).stream()
        .map(Double::floatValue).toList();
    List<Integer> foldMaxClasses = new ArrayList<>();
    for (double c : r.ruleList("predict.fold-max-classes", -1, 1, classes, false)) {
      if (c != Math.rint(c) || foldMaxClasses.contains((int) c)) {
        r.problems.add(ROOT + ".predict.fold-max-classes: expected distinct class ids 1.."
            + classes + " but got " + c);
        break;
      }
      foldMaxClasses.add((int) c);
    }
    return new SparksegConfig.Predict(runId, model, r.path("predict.images"),
        r.string("predict.image-glob"), r.optionalString("predict.images-table"),
        r.get("predict.flip-tta", "true or false", () -> r.c.getBoolean("predict.flip-tta"), true),
        r.intAtLeast("predict.batch-size", 0), thresholds, minAreas, maxAreas, gate,
        List.copyOf(foldMaxClasses), r.path("predict.submission"), submissionLayout, r.intAtLeast("predict.overlays", 0),
        r.path("predict.overlays-dir"), r.optionalPath("predict.truth-csv"),
        r.intAtLeast("predict.partitions", 0),
        r.get("predict.archive-entry-max-bytes", "a size in bytes >= 1", () -> {
          long v = r.c.getBytes("predict.archive-entry-max-bytes");
          if (v < 1 || v > Integer.MAX_VALUE - 8) {
            throw new ConfigException.BadValue("predict.archive-entry-max-bytes",
                "must be 1 .. 2 GiB");
          }
          return v;
        }, 256L << 20),
        r.get("predict.archive-slice-bytes", "a size in bytes >= 1", () -> {
          long v = r.c.getBytes("predict.archive-slice-bytes");
          if (v < 1) {
            throw new ConfigException.BadValue("predict.archive-slice-bytes", "must be >= 1");
          }
          return v;
        }, 512L << 20));
  }

  private static float[] toFloats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  private static TrainConfig trainConfig(Reader r, int classes) {
    ModelSpec spec = r.parsed("model", () -> {
      int[] dc = r.c.getIntList("model.decoder-channels").stream().mapToInt(Integer::intValue)
          .toArray();
      return new ModelSpec(ModelSpec.Architecture.of(r.c.getString("model.architecture")),
          r.c.getString("model.encoder"), dc.length == 0 ? null : dc, classes,
          ModelSpec.Activation.of(r.c.getString("model.activation")));
    });
    String weights = r.optionalString("model.encoder-weights");
    int epochs = r.intAtLeast("train.epochs", 1);
    int period = r.intAtLeast("train.cosine-period", 0);
    TrainOptions options = r.parsed("train", () -> TrainOptions.builder()
        .epochs(epochs)
        .batchSize(r.intAtLeast("train.batch-size", 2))
        .lr((float) r.c.getDouble("train.learning-rate"))
        .optimizer(Optimizer.kind(r.c.getString("train.optimizer")))
        .weightDecay((float) r.c.getDouble("train.weight-decay"))
        .momentum((float) r.c.getDouble("train.momentum"))
        .schedule(LrSchedule.kind(r.c.getString("train.schedule")))
        .minLr((float) r.c.getDouble("train.min-learning-rate"))
        .warmupEpochs(r.intAtLeast("train.warmup-epochs", 0))
        .cosineT0(period == 0 ? epochs : period)
        .cosineTMult(r.intAtLeast("train.cosine-period-mult", 1))
        .plateauFactor((float) r.fraction("train.plateau-factor"))
        .plateauPatience(r.intAtLeast("train.plateau-patience", 0))
        .loss(r.c.getString("train.loss"))
        .posWeight(posWeight(r.c.getDoubleList("train.pos-weight"), classes,
            r.c.getString("train.loss")))
        .validateEvery(r.intAtLeast("train.validate-every", 1))
        .earlyStopPatience(r.intAtLeast("train.early-stop-patience", 0))
        .threshold((float) r.fraction("train.threshold"))
        .keepCheckpoints(r.intAtLeast("train.keep-checkpoints", 1))
        .seed(r.longValue("train.seed"))
        .build());
    String augmentation = r.string("train.augmentation");
    r.check("train.augmentation", () -> TrainConfig.augmenter(augmentation));
    List<Integer> folds = r.parsed("train.folds", () -> List.copyOf(r.c.getIntList("train.folds")));
    String runId = r.optionalString("train.run-id");
    if (!runId.isEmpty() && !runId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      r.problems.add(ROOT + ".train.run-id: '" + runId + "' must be letters, digits, '.', '_' "
          + "or '-' (it names a folder)");
    }
    String device = r.string("train.device");
    if (!device.equals("auto") && !device.equals("cpu")) {
      r.problems.add(ROOT + ".train.device: expected one of auto, cpu but got '" + device + "'");
    }
    String sampling = r.string("train.sampling");
    if (!sampling.equals("none") && !sampling.equals("repeat-factor")) {
      r.problems.add(ROOT + ".train.sampling: expected one of none, repeat-factor but got '"
          + sampling + "'");
    }
    double samplingThreshold = r.get("train.sampling-threshold", "a number in (0, 1]", () -> {
      double t = r.c.getDouble("train.sampling-threshold");
      if (!(t > 0 && t <= 1)) {
        throw new ConfigException.BadValue("train.sampling-threshold", "must be in (0, 1]");
      }
      return t;
    }, 0.3);
    String classWeights = r.string("train.class-weights");
    r.check("train.class-weights", () -> {
      float[] w = io.sparkseg.core.train.ClassWeights.of(classWeights, new long[] {1});
      if (w != null && options != null) {
        options.newLoss().withClassWeights(w); // refuses a sigmoid loss, naming it
      }
    });
    return new TrainConfig(spec, weights, options, augmentation, folds, runId,
        r.intAtLeast("train.gpus-per-task", 0), device, r.intAtLeast("train.prefetch", 1),
        r.intAtLeast("train.shuffle-buffer", 1), classWeights,
        r.intAtLeast("train.progress-seconds", 0), sampling, samplingThreshold);
  }

  /**
   * {@code train.pos-weight}: one value per class for the -pw losses that use it; other losses
   * ignore it, so a list of another length (the Severstal default) stands for ones.
   */
  private static float[] posWeight(List<Double> values, int classes, String loss) {
    if (values.size() != classes && !loss.trim().endsWith("-pw")) {
      float[] ones = new float[classes];
      Arrays.fill(ones, 1f);
      return ones;
    }
    return floats(values, classes, "train.pos-weight");
  }

  private static float[] floats(List<Double> values, int classes, String key) {
    if (values.size() != classes) {
      throw new IllegalArgumentException("needs one value per class (" + classes + "), got "
          + values.size());
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  /** Reads typed values, recording a problem (with the full key) instead of throwing. */
  private static final class Reader {
    private final Config c;
    private final List<String> problems;

    Reader(Config c, List<String> problems) {
      this.c = c;
      this.problems = problems;
    }

    <T> T get(String key, String expected, Supplier<T> read, T fallback) {
      try {
        return read.get();
      } catch (ConfigException.Missing e) {
        problems.add(ROOT + "." + key + ": missing; expected " + expected);
      } catch (ConfigException e) {
        problems.add(ROOT + "." + key + ": expected " + expected + " but got "
            + describe(key) + origin(key));
      }
      return fallback;
    }

    private String describe(String key) {
      if (looksSecret(key)) {
        return "a value (not shown: the key looks secret)";
      }
      try {
        ConfigValue v = c.getValue(key);
        return v.valueType() == ConfigValueType.STRING
            ? "'" + v.unwrapped() + "'" : v.valueType().name().toLowerCase(Locale.ROOT)
            + " " + v.render();
      } catch (ConfigException e) {
        return "nothing";
      }
    }

    private String origin(String key) {
      try {
        return " (from " + c.getValue(key).origin().description() + ")";
      } catch (ConfigException e) {
        return "";
      }
    }

    /** A string that may be empty, trimmed. */
    String optionalString(String key) {
      return get(key, "a string", () -> c.getString(key), "").trim();
    }

    String string(String key) {
      String s = get(key, "a string", () -> c.getString(key), "");
      if (s.isBlank() && problems.stream().noneMatch(p -> p.startsWith(ROOT + "." + key + ":"))) {
        problems.add(ROOT + "." + key + ": must not be empty");
      }
      return s;
    }

    /** A path that may be empty (unset). */
    String optionalPath(String key) {
      String s = get(key, "a string", () -> c.getString(key), "").trim();
      return s.isEmpty() ? s : path(key);
    }

    /**
     * A list of numbers in [min, max] ({@code max} excluded when {@code maxExclusive}) with
     * {@code size} entries, or empty; {@code size} -1 = any length.
     */
    List<Double> ruleList(String key, int size, double min, double max, boolean maxExclusive) {
      List<Double> v = get(key, "a list of numbers", () -> c.getDoubleList(key), List.of());
      if (size >= 0 && !v.isEmpty() && v.size() != size) {
        problems.add(ROOT + "." + key + ": expected one value per class (" + size + ") or [] but "
            + "got " + v.size() + origin(key));
        return List.of();
      }
      for (double x : v) {
        if (x < min || x > max || maxExclusive && x == max) {
          problems.add(ROOT + "." + key + ": " + x + " is outside [" + min + ", " + max
              + (maxExclusive ? ")" : "]") + origin(key));
          return List.of();
        }
      }
      return v;
    }

    String path(String key) {
      String s = string(key);
      if (s.isBlank() || URI_SCHEME.matcher(s).matches() && !s.matches("^[A-Za-z]:\\\\.*")) {
        return s;
      }
      return Path.of(s).toAbsolutePath().normalize().toString();
    }

    int intAtLeast(String key, int min) {
      int v = get(key, "an integer >= " + min, () -> c.getInt(key), min);
      if (v < min) {
        problems.add(ROOT + "." + key + ": expected an integer >= " + min + " but got " + v
            + origin(key));
      }
      return v;
    }

    long longValue(String key) {
      return get(key, "an integer", () -> c.getLong(key), 0L);
    }

    double fraction(String key) {
      double v = get(key, "a number in [0, 1]", () -> c.getDouble(key), 0.0);
      if (v < 0 || v > 1) {
        problems.add(ROOT + "." + key + ": expected a number in [0, 1] but got " + v + origin(key));
      }
      return v;
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type) {
      E[] values = type.getEnumConstants();
      String expected = "one of " + Arrays.stream(values)
          .map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
      String s = get(key, expected, () -> c.getString(key), null);
      if (s == null) {
        return values[0];
      }
      for (E v : values) {
        if (v.name().equalsIgnoreCase(s.trim())) {
          return v;
        }
      }
      problems.add(ROOT + "." + key + ": expected " + expected + " but got '" + s + "'"
          + origin(key));
      return values[0];
    }

    Map<String, String> stringMap(String key) {
      Map<String, String> out = new LinkedHashMap<>();
      try {
        for (Map.Entry<String, ConfigValue> e : c.getObject(key).entrySet()) {
          ConfigValueType t = e.getValue().valueType();
          if (t == ConfigValueType.OBJECT || t == ConfigValueType.LIST) {
            problems.add(ROOT + "." + key + ".\"" + e.getKey()
                + "\": expected a string, number or boolean but got " + t.name().toLowerCase(Locale.ROOT)
                + " (quote Spark keys: \"spark.x.y\" = value)");
          } else {
            out.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
          }
        }
      } catch (ConfigException e) {
        problems.add(ROOT + "." + key + ": expected an object of Spark settings: " + e.getMessage());
      }
      return out;
    }

    /** A value built from several keys; a failure is recorded under {@code section}. */
    <T> T parsed(String section, Supplier<T> build) {
      try {
        return build.get();
      } catch (ConfigException e) {
        problems.add(ROOT + "." + section + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        problems.add(ROOT + "." + section + ": " + e.getMessage());
      }
      return null;
    }

    void check(String key, Runnable validation) {
      try {
        validation.run();
      } catch (IllegalArgumentException e) {
        problems.add(ROOT + "." + key + ": " + e.getMessage());
      }
    }
  }

  /** The keys the defaults define (for docs and tests). */
  public static Set<String> knownKeys() {
    Config defaults = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(),
        DEFAULTS_RESOURCE);
    return defaults.entrySet().stream().map(Map.Entry::getKey)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
