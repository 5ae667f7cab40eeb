package io.sparkseg.jobs.scene;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.demo.SceneDemoGenerator;
import io.sparkseg.core.geometry.Fit;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.scene.ClassMap;
import io.sparkseg.core.scene.LabelDecoder;
import io.sparkseg.core.train.Normalization;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.SparkSessions;
import io.sparkseg.jobs.ingest.IngestJob;
import io.sparkseg.jobs.predict.PredictFixtures;
import io.sparkseg.jobs.predict.PredictJob;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): the scene flow's throughput in images per second per core. Ingest of
 * generated sequences (pairing, palette decoding, per-class RLE into the samples table) with
 * frames already at the model's size against frames fitted by letterbox; then predict on the
 * held-out frames with an untrained 2-fold softmax U-Net (class maps back at the frames' size,
 * PNG in palette colours) as a plain DJL loop and as the predict job. Run with
 * {@code bench/run scene [sequences=6] [frames=10] [encoder=resnet18]}.
 */
public final class SceneBenchmark {
  private SceneBenchmark() {}

  public static void main(String[] args) throws Exception {
    int sequences = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int frames = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String encoder = args.length > 2 ? args[2] : "resnet18";
    Path work = Path.of(args.length > 3 ? args[3] : "target/bench-scene").toAbsolutePath();
    Path data = work.resolve("data");
    int srcH = 360;
    int srcW = 640;
    SceneDemoGenerator.Summary s = new SceneDemoGenerator(sequences, 2, frames, srcH, srcW, 7)
        .write(data);
    SparkSession spark = null;
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT, "scene benchmark: %d train frames + %d test frames of %dx%d, "
        + "%d cores%n", s.trainFrames(), s.testFrames(), srcH, srcW, cores);
    for (String mode : List.of("none", "letterbox")) {
      int h = mode.equals("none") ? srcH : 256;
      int w = mode.equals("none") ? srcW : 512;
      SparksegConfig cfg = config(work, data, h, w, mode);
      if (spark == null) {
        spark = SparkSessions.create(cfg);
      }
      IngestJob.run(spark, cfg, quiet); // warm-up
      long t0 = System.nanoTime();
      JobReport r = IngestJob.run(spark, cfg, quiet);
      double sec = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "ingest, frames %s (%dx%d samples): %6.1f s  %6.2f "
          + "images/s/core  (%d samples)%n", mode.equals("none") ? "at the model's size"
          : "letterboxed", h, w, sec, r.count("samples_written") / sec / cores,
          r.count("samples_written"));
    }

    SparksegConfig cfg = config(work, data, 256, 512, "letterbox");
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.UNET, encoder, null, 12,
        ModelSpec.Activation.SOFTMAX);
    PredictFixtures.writeRun(work, "bench", 2, spec);
    List<Path> files;
    try (Stream<Path> st = Files.walk(data.resolve("test/Images"))) {
      files = st.filter(Files::isRegularFile).sorted().toList();
    }
    double plain;
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      List<io.sparkseg.core.infer.ProbabilityModel> predictors = new ArrayList<>();
      for (int f = 0; f < 2; f++) {
        SegmentationModel model = ModelIo.load(work.resolve("runs/bench/fold-" + f),
            io.sparkseg.core.train.FoldTrainer.BEST, m).model();
        predictors.add(new SegmentationPredictor(model, m, Normalization.IMAGENET,
            cfg.predictBatchSize(false), true));
      }
      TiledEnsemble ensemble = new TiledEnsemble(predictors, cfg.tileGeometry(), 12);
      LabelDecoder decoder = cfg.multiClass().decoder();
      plainPass(files.subList(0, 1), ensemble, decoder, work.resolve("plain"));
      long t0 = System.nanoTime();
      plainPass(files, ensemble, decoder, work.resolve("plain"));
      plain = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "predict, plain DJL loop (decode, letterbox, 2 folds + "
          + "flip TTA, argmax, back to %dx%d, PNG): %6.1f s  %6.3f images/s/core%n", srcH, srcW,
          plain, files.size() / plain / cores);
    }
    long t0 = System.nanoTime();
    PredictJob.Result r = PredictJob.run(spark, cfg, quiet);
    double job = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "predict job (class maps, rows, MERGE, mIoU vs labels): "
        + "%6.1f s  %6.3f images/s/core  (%d scored); job/plain %.2f%n", job,
        r.scored() / job / cores, r.scored(), job / plain);
    spark.stop();
  }

  private static SparksegConfig config(Path work, Path data, int h, int w, String resize) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("work-dir", work.toString());
    o.put("data.dir", data.toString());
    o.put("dataset.kind", "scene");
    o.put("data.train-images", data.resolve("Images").toString());
    o.put("dataset.labels", data.resolve("Labels").toString());
    o.put("dataset.test-labels", data.resolve("test/Labels").toString());
    o.put("data.classes", "12");
    o.put("data.image-height", String.valueOf(h));
    o.put("data.image-width", String.valueOf(w));
    o.put("data.resize", resize);
    o.put("tiles.height", String.valueOf(h));
    o.put("tiles.width", String.valueOf(w));
    o.put("tiles.stride", String.valueOf(w));
    o.put("model.activation", "softmax");
    o.put("train.loss", "ce-dice");
    o.put("predict.images", data.resolve("test/Images").toString());
    o.put("predict.run-id", "bench");
    o.put("predict.overlays", "0");
    o.put("spark.ui.enabled", "false");
    return ConfigLoader.load(null, o);
  }

  private static void plainPass(List<Path> files, TiledEnsemble ensemble, LabelDecoder decoder,
      Path out) throws Exception {
    Files.createDirectories(out);
    int i = 0;
    for (Path p : files) {
      Image8 img = ImageCodec.decode(Files.readAllBytes(p));
      Fit fit = Fit.of(Fit.Mode.LETTERBOX, img.height(), img.width(), 256, 512);
      float[][] probs = ensemble.probabilities(List.of(fit.apply(img, 0))).get(0);
      ClassMap map = fit.toSourceFilled(ClassMap.argmax(probs, 256, 512));
      Files.write(out.resolve((i++) + ".png"), decoder.encode(map));
    }
  }
}
