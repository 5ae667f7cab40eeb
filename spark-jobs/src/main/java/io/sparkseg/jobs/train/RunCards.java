package io.sparkseg.jobs.train;

import io.sparkseg.core.card.RunCard;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.infer.ThresholdSearch;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.jobs.io.OutputFiles;
import io.sparkseg.jobs.io.Samples;
import io.sparkseg.jobs.io.TableStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The run's model card on disk ({@code runs/<id>/model_card.json} and {@code MODEL_CARD.md}):
 * built by train from its summary and the tables, completed by tune and predict.
 */
public final class RunCards {
  private RunCards() {}

  /** The card of a finished training run. */
  static RunCard forTraining(SparkSession spark, SparksegConfig cfg, TableStore store,
      TrainJob.Summary s) {
    int k = cfg.folds().k();
    int classes = cfg.data().classes();
    Dataset<Row> folds = store.read(TableStore.FOLDS);
    List<Long> perFold = new ArrayList<>(Collections.nCopies(k, 0L));
    for (Row r : folds.groupBy("fold").count().collectAsList()) {
      if (r.getInt(0) < k) {
        perFold.set(r.getInt(0), r.getLong(1));
      }
    }
    List<Long> perClass = new ArrayList<>(Collections.nCopies(classes, 0L));
    for (Row r : folds.select("image_id").join(Samples.masks(store, cfg)
        .select("image_id", "class_id").distinct(), "image_id").groupBy("class_id").count()
        .collectAsList()) {
      int c = ((Number) r.get(0)).intValue();
      if (c >= 1 && c <= classes) {
        perClass.set(c - 1, r.getLong(1));
      }
    }
    var g = cfg.tileGeometry();
    boolean photos = cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS;
    RunCard.Data data = new RunCard.Data(s.dataVersion(), photos ? cfg.photos().images()
        : cfg.data().dir(), cfg.dataset().code(), perFold, perClass,
        g.imageHeight() + "×" + g.imageWidth(), g.tileHeight() + "×" + g.tileWidth()
            + " tiles at stride " + g.stride());
    var spec = cfg.train().model();
    String weights = cfg.train().encoderWeights().isEmpty() ? "random initialization"
        : cfg.train().encoderWeights();
    RunCard.Model model = new RunCard.Model(spec.architecture().smpName(), spec.encoder(),
        spec.decoderChannels(), spec.classes(), spec.activation().name()
            .toLowerCase(java.util.Locale.ROOT), weights);
    List<RunCard.Fold> foldList = new ArrayList<>();
    List<String> devices = new ArrayList<>();
    for (FoldResult r : s.folds()) {
      foldList.add(new RunCard.Fold(r.fold(), r.bestEpoch(), r.epochsRun(), r.metrics(),
          r.device(), r.seconds()));
      if (!devices.contains(r.device())) {
        devices.add(r.device());
      }
    }
    String task = (spec.activation() == io.sparkseg.core.nn.ModelSpec.Activation.SOFTMAX
        ? "Semantic segmentation, one class per pixel (softmax)"
        : "Multi-label segmentation, each class independent (sigmoid)") + ", " + classes
        + " classes, " + cfg.dataset().code() + " data.";
    RunCard.Environment env = new RunCard.Environment(io.sparkseg.core.Version.SPARKSEG, s.gitCommit(),
        ai.djl.engine.Engine.getDjlVersion(), engine(), System.getProperty("java.version"),
        spark.version(), devices);
    return new RunCard(s.runId(), Instant.now().toString(), task, cfg.classNames(), data, model,
        s.training(), foldList, s.diceMeanSd(), null, null, env);
  }

  private static String engine() {
    try {
      ai.djl.engine.Engine e = io.sparkseg.core.nn.Engines.pytorch();
      return e.getEngineName() + " " + e.getVersion();
    } catch (RuntimeException e) {
      return "PyTorch (version not known on the driver: " + e.getMessage() + ")";
    }
  }

  /** The tuned rules, for {@link RunCard#withPostProcessing}. */
  public static RunCard.PostProcessing postProcessing(Tuning t, String source) {
    List<Float> th = new ArrayList<>();
    List<Integer> areas = new ArrayList<>();
    List<Integer> maxAreas = new ArrayList<>();
    List<Float> gates = new ArrayList<>();
    List<Double> dice = new ArrayList<>();
    List<Double> base = new ArrayList<>();
    for (ThresholdSearch.Choice c : t.classes()) {
      th.add(c.rule().threshold());
      areas.add(c.rule().minArea());
      maxAreas.add(c.rule().maxArea());
      gates.add(c.rule().minMaxProbability());
      dice.add(c.dice());
      base.add(c.defaultDice());
    }
    return new RunCard.PostProcessing(source, t.images(), th, areas, maxAreas, gates, dice,
        base);
  }

  /** The run's card, or null when it has none (runs trained before cards existed). */
  public static RunCard read(String runDir, Configuration conf) {
    Path p = new Path(runDir, RunCard.JSON);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return null;
      }
      try (InputStream in = fs.open(p)) {
        return RunCard.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8),
            p.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code model_card.json}, {@code MODEL_CARD.md} and report.html into the run folder. */
  public static void write(String runDir, RunCard card, Configuration conf) {
    write(new Path(runDir, RunCard.JSON), card.toJson(), conf);
    write(new Path(runDir, RunCard.MARKDOWN), card.markdown(), conf);
    io.sparkseg.jobs.report.ReportWriter.write(runDir, conf); // report.html follows the card
  }

  private static void write(Path p, String text, Configuration conf) {
    try (OutputStream o = OutputFiles.create(p, conf)) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code update} to the run's card when it has one (rewriting the card and the run
   * report); says nothing otherwise. Returns whether there was a card.
   */
  public static boolean update(String runDir, Configuration conf,
      java.util.function.UnaryOperator<RunCard> update) {
    RunCard card = read(runDir, conf);
    if (card != null) {
      write(runDir, update.apply(card), conf);
    }
    return card != null;
  }
}
