package io.sparkseg.jobs.export;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.export.ExportedModel;
import io.sparkseg.core.export.OnnxExport;
import io.sparkseg.core.export.OnnxSegmentationModel;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.Normalization;
import io.sparkseg.jobs.predict.ModelCache;
import io.sparkseg.jobs.predict.PredictJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code bin/sparkseg export}: a training run's fold models (one fold, or the ensemble) as one
 * ONNX file with its JSON sidecar, then proof: the written file is loaded in ONNX Runtime and
 * scored against the PyTorch models on random tiles; the largest difference is reported, and
 * above {@value #TOLERANCE} the export fails. No Spark session; paths may be any Hadoop URI.
 */
public final class ExportJob {
  /** Largest accepted |ONNX − PyTorch| probability difference of the check. */
  public static final double TOLERANCE = 1e-4;

  private ExportJob() {}

  /** What an export wrote and how close it is to the trained models. */
  public record Result(String onnx, String sidecar, long bytes, ExportedModel description,
      double maxDifference, String modelCard) {}

  /**
   * @param runId the run (null: the newest finished one)
   * @param fold one fold, or null for the ensemble of all folds
   */
  public static Result run(SparksegConfig cfg, Configuration hadoop, String runId, Integer fold,
      boolean flipTta, String out, PrintStream log) throws IOException {
    String runs = cfg.workDir() + "/runs";
    String id = runId == null ? PredictJob.latestRun(runs, hadoop) : runId;
    Path runDir = new Path(runs, id);
    FileSystem fs = runDir.getFileSystem(hadoop);
    FileStatus[] found = fs.globStatus(new Path(runDir, (fold == null ? "fold-*" : "fold-" + fold)
        + "/best.safetensors"));
    if (found == null || found.length == 0) {
      throw new IllegalArgumentException("run " + id + " has no " + (fold == null
          ? "trained fold models" : "model of fold " + fold) + " (" + runDir
          + "/fold-*/best.safetensors)");
    }
    List<String> files = Arrays.stream(found).map(s -> s.getPath().toString()).sorted().toList();
    if (!out.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new IllegalArgumentException("--out " + out + ": the file name must end with .onnx");
    }
    Engines.ensureOffline();
    try (NDManager manager = Engines.pytorch().newBaseManager(Device.cpu())) {
      List<SegmentationModel> models = new ArrayList<>();
      List<String> names = new ArrayList<>();
      ModelCard card = null;
      for (String f : files) {
        card = ModelCache.readCard(f, hadoop);
        Path p = new Path(f);
        try (InputStream in = fs.open(p)) {
          models.add(ModelIo.load(card, SafeTensors.read(in, f), manager, f));
        }
        names.add(p.getParent().getName());
      }
      if (card.inputHeight() > 0 && (card.inputHeight() != cfg.tileGeometry().tileHeight()
          || card.inputWidth() != cfg.tileGeometry().tileWidth())) {
        throw new IllegalArgumentException("run " + id + " was trained on " + card.inputHeight()
            + "x" + card.inputWidth() + " tiles, the configuration tiles "
            + cfg.tileGeometry().tileHeight() + "x" + cfg.tileGeometry().tileWidth()
            + ": give export the run's configuration (--config/--conf)");
      }
      Normalization norm = new Normalization(card.normalizationMean(), card.normalizationStd());
      // the run's tuned rules (and the config's overrides), as predict applies them
      PostProcessor post = PredictJob.postProcessor(cfg, id, runDir.toString(), hadoop, log);
      Path tuned = new Path(runDir, io.sparkseg.core.infer.Tuning.FILE);
      List<Integer> foldMax = models.size() > 1 ? cfg.predict().foldMaxClasses() : List.of();
      ExportedModel d = ExportedModel.of(id, names, card.spec(), cfg.classNames(), flipTta,
          foldMax, norm.mean(), norm.std(), cfg.tileGeometry(), post,
          fs.exists(tuned) ? tuned.toString() : "defaults (run not tuned) and the configuration",
          io.sparkseg.core.Version.SPARKSEG, java.time.Instant.now().toString());
      OnnxMl.ModelProto proto = OnnxExport.export(models, norm, flipTta, foldMax,
          d.metadata());

      java.nio.file.Path tmp = Files.createTempDirectory("sparkseg-export");
      try {
        java.nio.file.Path local = tmp.resolve("model.onnx");
        Files.write(local, proto.toByteArray());
        double diff = check(models, norm, flipTta, foldMax, local, card, cfg);
        if (diff > TOLERANCE) {
          throw new IllegalStateException("the exported graph differs from the PyTorch models "
              + "by " + diff + " (> " + TOLERANCE + "); not written");
        }
        Path onnx = new Path(out);
        Path sidecar = new Path(onnx.getParent(), OnnxSegmentationModel.sidecarOf(
            java.nio.file.Path.of(onnx.getName())).toString());
        FileSystem outFs = onnx.getFileSystem(hadoop);
        outFs.mkdirs(onnx.getParent());
        outFs.copyFromLocalFile(false, true, new Path(local.toUri()), onnx);
        try (var o = outFs.create(sidecar, true)) {
          o.write(d.toJson().getBytes(StandardCharsets.UTF_8));
        }
        Path runCard = new Path(runDir, io.sparkseg.core.card.RunCard.MARKDOWN);
        Path cardCopy = null;
        if (fs.exists(runCard)) {
          cardCopy = new Path(onnx.getParent(), sidecar.getName().replaceAll("\\.json$", "")
              + "." + io.sparkseg.core.card.RunCard.MARKDOWN);
          org.apache.hadoop.fs.FileUtil.copy(fs, runCard, outFs, cardCopy, false, true, hadoop);
        }
        long bytes = Files.size(local);
        log.printf(Locale.ROOT, "exported %s: %s (%s), %d model(s) %s%s, %d class(es) %s -> %s "
                + "(%.1f MB) + %s%n", id, card.spec().architecture().smpName(),
            card.spec().encoder(), models.size(), names, flipTta ? " + flip TTA" : "",
            card.spec().classes(), d.activation(), onnx, bytes / 1e6, sidecar.getName()
            + (cardCopy == null ? " (the run has no model card)" : " + " + cardCopy.getName()));
        log.printf(Locale.ROOT, "checked in ONNX Runtime: max |onnx - pytorch| = %.2e on random "
            + "%dx%d tiles (tolerance %.0e)%n", diff, d.tileHeight(), d.tileWidth(), TOLERANCE);
        return new Result(onnx.toString(), sidecar.toString(), bytes, d, diff,
            cardCopy == null ? null : cardCopy.toString());
      } finally {
        try (var paths = Files.walk(tmp)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /**
   * max |ONNX Runtime − PyTorch| over two random tiles (batch 2), the folds combined as predict
   * combines them ({@link TiledEnsemble}: mean, or maximum for the fold-maximum classes) and
   * TTA included.
   */
  private static double check(List<SegmentationModel> models, Normalization norm,
      boolean flipTta, List<Integer> foldMax, java.nio.file.Path onnx, ModelCard card,
      SparksegConfig cfg)
      throws IOException {
    int h = cfg.tileGeometry().tileHeight();
    int w = cfg.tileGeometry().tileWidth();
    Random r = new Random(1);
    List<Image8> images = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      byte[] px = new byte[h * w * 3];
      r.nextBytes(px);
      images.add(new Image8(h, w, 3, px));
    }
    List<float[][]> expected;
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      List<SegmentationPredictor> predictors = new ArrayList<>();
      for (SegmentationModel model : models) {
        predictors.add(new SegmentationPredictor(model, m, norm, 2, flipTta));
      }
      expected = new TiledEnsemble(predictors, new TileGeometry(h, w, h, w, w),
          card.spec().classes(), foldMax).probabilities(images);
    }
    List<float[][]> onnxOut;
    try (OnnxSegmentationModel loaded = OnnxSegmentationModel.load(onnx)) {
      onnxOut = loaded.newPredictor(2, false).predict(images);
    }
    double max = 0;
    for (int i = 0; i < expected.size(); i++) {
      for (int c = 0; c < expected.get(i).length; c++) {
        for (int k = 0; k < expected.get(i)[c].length; k++) {
          max = Math.max(max, Math.abs(expected.get(i)[c][k] - onnxOut.get(i)[c][k]));
        }
      }
    }
    return max;
  }
}
