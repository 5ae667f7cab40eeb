package io.sparkseg.jobs.predict;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.train.Normalization;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkSessions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): images/s per core of the {@code predict} job against a plain
 * single-JVM DJL loop doing the same work (decode, tiles, fold ensemble with flip TTA, stitch,
 * post-process, RLE) on the same models and images: the Spark overhead ratio. Run with
 * {@code bench/run predict [images=24] [folds=2] [encoder=resnet34]}. Severstal size
 * (256x1600, six 256x512 tiles); untrained models (speed does not depend on the weights).
 */
public final class PredictBenchmark {
  private PredictBenchmark() {}

  public static void main(String[] args) throws Exception {
    int images = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int folds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String encoder = args.length > 2 ? args[2] : "resnet34";
    Path work = Path.of(args.length > 3 ? args[3] : "target/bench-predict").toAbsolutePath();
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
    List<Path> files;
    try (var s = Files.list(Path.of(cfg.data().testImages()))) {
      files = s.sorted().toList();
    }
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(Locale.ROOT, "predict benchmark: %d images of %dx%d, %d x U-Net/%s, flip "
        + "TTA, batch %d tiles, %d cores%n", images, cfg.data().imageHeight(),
        cfg.data().imageWidth(), folds, encoder, cfg.predictBatchSize(false), cores);

    // plain loop: one JVM, no Spark
    double plain;
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      List<SegmentationPredictor> predictors = new ArrayList<>();
      for (int f = 0; f < folds; f++) {
        SegmentationModel model = ModelIo.load(work.resolve("runs/bench/fold-" + f),
            io.sparkseg.core.train.FoldTrainer.BEST, m).model();
        predictors.add(new SegmentationPredictor(model, m, Normalization.IMAGENET,
            cfg.predictBatchSize(false), true));
      }
      TiledEnsemble ensemble = new TiledEnsemble(predictors, cfg.tileGeometry(), 4);
      PostProcessor post = PostProcessor.uniform(4, ClassRule.DEFAULT);
      int perBatch = Math.max(1, cfg.predictBatchSize(false) / cfg.tileGeometry().tileCount());
      plainPass(files.subList(0, 1), ensemble, post, 1); // warm-up
      long t0 = System.nanoTime();
      long runs = plainPass(files, ensemble, post, perBatch);
      plain = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "plain DJL loop:  %6.1f s  %6.3f images/s  %6.3f "
          + "images/s/core  (%d RLE runs)%n", plain, images / plain, images / plain / cores,
          runs);
    }

    // the predict job, local[*]: listing, hashing, scoring, MERGE, submission
    SparkSession spark = SparkSessions.create(cfg);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    long t0 = System.nanoTime();
    PredictJob.Result r = PredictJob.run(spark, cfg, quiet);
    double job = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "predict job:     %6.1f s  %6.3f images/s  %6.3f "
        + "images/s/core  (%d scored, %s)%n", job, r.scored() / job, r.scored() / job / cores,
        r.scored(), spark.sparkContext().master());
    System.out.printf(Locale.ROOT, "Spark overhead ratio (job time / plain loop time): %.2f%n",
        job / plain);
    spark.stop();
  }

  private static long plainPass(List<Path> files, TiledEnsemble ensemble, PostProcessor post,
      int perBatch) throws Exception {
    long runs = 0;
    for (int from = 0; from < files.size(); from += perBatch) {
      List<Image8> batch = new ArrayList<>();
      for (Path p : files.subList(from, Math.min(files.size(), from + perBatch))) {
        Image8 img = ImageCodec.decode(Files.readAllBytes(p));
        batch.add(img.isGrey() ? img.firstChannel() : img);
      }
      for (float[][] probs : ensemble.probabilities(batch)) {
        for (BinaryMask m : post.apply(probs, batch.get(0).height(), batch.get(0).width())) {
          runs += Rle.encode(m).chars().filter(c -> c == ' ').count();
        }
      }
    }
    return runs;
  }
}
