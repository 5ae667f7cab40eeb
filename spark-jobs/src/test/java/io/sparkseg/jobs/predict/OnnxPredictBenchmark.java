package io.sparkseg.jobs.predict;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.export.OnnxSegmentationModel;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.infer.ProbabilityModel;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkSessions;
import io.sparkseg.jobs.export.ExportJob;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): the same fold ensemble scored by DJL's PyTorch engine and, exported
 * with {@code export}, by ONNX Runtime: a plain single-JVM loop of each (tiles, ensemble, flip
 * TTA, stitching) and the {@code predict} job with each, images/s per core side by side. Run
 * with {@code bench/run predict-onnx [images=24] [folds=2] [encoder=resnet34]}.
 */
public final class OnnxPredictBenchmark {
  private OnnxPredictBenchmark() {}

  public static void main(String[] args) throws Exception {
    int images = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int folds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String encoder = args.length > 2 ? args[2] : "resnet34";
    Path work = Path.of(args.length > 3 ? args[3] : "target/bench-predict-onnx")
        .toAbsolutePath();
    Map<String, String> o = new LinkedHashMap<>();
    o.put("work-dir", work.toString());
    o.put("demo.train-images", "0");
    o.put("demo.test-images", String.valueOf(images));
    o.put("predict.run-id", "bench");
    o.put("predict.overlays", "0");
    o.put("spark.ui.enabled", "false");
    SparksegConfig cfg = ConfigLoader.load(null, o);
    Pipeline.generateDemo(cfg, System.out);
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.UNET, encoder, null, 4,
        ModelSpec.Activation.SIGMOID);
    PredictFixtures.writeRun(work, "bench", folds, spec);
    Files.writeString(work.resolve("runs/bench/summary.json"), "{}");
    Path onnx = work.resolve("bench.onnx");
    ExportJob.run(cfg, new Configuration(), "bench", null, true, onnx.toString(), System.out);
    List<Image8> decoded = new ArrayList<>();
    try (var s = Files.list(Path.of(cfg.data().testImages()))) {
      for (Path p : s.sorted().toList()) {
        Image8 img = ImageCodec.decode(Files.readAllBytes(p));
        decoded.add(img.isGrey() ? img.firstChannel() : img);
      }
    }
    int cores = Runtime.getRuntime().availableProcessors();
    int perBatch = Math.max(1, cfg.predictBatchSize(false) / cfg.tileGeometry().tileCount());
    System.out.printf(Locale.ROOT, "predict-onnx benchmark: %d images of %dx%d, %d x U-Net/%s, "
        + "flip TTA, batch %d tiles, %d cores%n", images, cfg.data().imageHeight(),
        cfg.data().imageWidth(), folds, encoder, cfg.predictBatchSize(false), cores);

    var hadoop = new Configuration();
    List<String> files = new ArrayList<>();
    for (int f = 0; f < folds; f++) {
      files.add(work.resolve("runs/bench/fold-" + f + "/best.safetensors").toString());
    }
    ModelCache.Ensemble djl = ModelCache.get(files, ai.djl.Device.cpu(), hadoop);
    List<ProbabilityModel> pytorch = new ArrayList<>();
    for (int i = 0; i < djl.models().size(); i++) {
      pytorch.add(new SegmentationPredictor(djl.models().get(i), djl.manager(),
          io.sparkseg.core.train.Normalization.IMAGENET, cfg.predictBatchSize(false), true));
    }
    // PyTorch before and after ONNX Runtime: the better of the two, so order does not decide
    TiledEnsemble torchEnsemble = new TiledEnsemble(pytorch, cfg.tileGeometry(), 4);
    double plainTorch = loop("PyTorch (DJL)", torchEnsemble, decoded, perBatch, cores);
    double plainOrt;
    try (OnnxSegmentationModel m = OnnxSegmentationModel.load(onnx)) {
      plainOrt = loop("ONNX Runtime", new TiledEnsemble(List.of(m.newPredictor(
          cfg.predictBatchSize(false), true)), cfg.tileGeometry(), 4), decoded, perBatch, cores);
    }
    plainTorch = Math.max(plainTorch, loop("PyTorch again", torchEnsemble, decoded, perBatch,
        cores));
    System.out.printf(Locale.ROOT, "plain loop ratio ONNX Runtime / PyTorch (better of two) "
        + "(images/s): %.2f%n", plainOrt / plainTorch);

    SparkSession spark = SparkSessions.create(cfg);
    spark.range(100).count(); // Spark's own start-up outside the timings
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    double jobTorch = job("predict job, PyTorch", spark, cfg, quiet, cores);
    SparksegConfig onnxCfg = ConfigLoader.load(null, with(o, "predict.model", onnx.toString()));
    double jobOrt = job("predict job, ONNX Runtime", spark, onnxCfg, quiet, cores);
    System.out.printf(Locale.ROOT, "predict job ratio ONNX Runtime / PyTorch (images/s): %.2f%n",
        jobOrt / jobTorch);
    spark.stop();
  }

  private static Map<String, String> with(Map<String, String> o, String k, String v) {
    Map<String, String> m = new LinkedHashMap<>(o);
    m.put(k, v);
    m.put("predict.submission", o.get("work-dir") + "/onnx-submission.csv");
    return m;
  }

  /** images/s of a plain loop over {@code images} (one warm-up image first). */
  private static double loop(String name, TiledEnsemble ensemble, List<Image8> images,
      int perBatch, int cores) {
    ensemble.probabilities(images.subList(0, 1));
    long t0 = System.nanoTime();
    for (int from = 0; from < images.size(); from += perBatch) {
      ensemble.probabilities(images.subList(from, Math.min(images.size(), from + perBatch)));
    }
    double s = (System.nanoTime() - t0) / 1e9;
    double rate = images.size() / s;
    System.out.printf(Locale.ROOT, "plain loop, %-14s %6.1f s  %6.3f images/s  %6.3f "
        + "images/s/core%n", name + ":", s, rate, rate / cores);
    return rate;
  }

  private static double job(String name, SparkSession spark, SparksegConfig cfg,
      PrintStream quiet, int cores) {
    long t0 = System.nanoTime();
    PredictJob.Result r = PredictJob.run(spark, cfg, quiet);
    double s = (System.nanoTime() - t0) / 1e9;
    double rate = r.scored() / s;
    System.out.printf(Locale.ROOT, "%-27s %6.1f s  %6.3f images/s  %6.3f images/s/core  (%d "
        + "scored)%n", name + ":", s, rate, rate / cores, r.scored());
    return rate;
  }
}
