package io.sparkseg.core.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessing;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.severstal.TrainCsv;
import io.sparkseg.core.train.FoldTrainer;
import io.sparkseg.core.train.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Study (not a test): how a trained run's fold models should be combined on the test images.
 * {@code predict} averages the folds' probabilities and applies the tuned rule, which was tuned
 * on out-of-fold maps of one model each; here, per class, the test Dice of that ("mean")
 * beside the tuned rule applied to each fold's own map and the masks combined by a vote of at
 * least v folds ("vote-v"), and the rule on the folds' pixel-wise maximum ("max"). Then, per
 * class, each fold's peak probability on the test images with and without that class: how far
 * the folds' calibrations differ. Figures under README "Rare classes".
 *
 * <p>Arguments: work run-id [preset=demo.conf | none]: the run's folds under
 * {@code <work>/runs/<run-id>}, its postprocessing.json, the test images and truth CSV of the
 * configuration ({@code data.test-images}, {@code predict.truth-csv}) with work-dir = work.
 */
public final class EnsembleCombineBenchmark {
  private EnsembleCombineBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    String runId = args[1];
    String preset = args.length > 2 ? args[2] : ConfigLoader.DEMO_PRESET;
    SparksegConfig cfg = ConfigLoader.load("none".equals(preset) ? null : preset, null,
        Map.of("work-dir", work.toString()), Map.of());
    int h = cfg.data().imageHeight();
    int w = cfg.data().imageWidth();
    int classes = cfg.data().classes();
    Path runDir = work.resolve("runs").resolve(runId);
    Path tuned = runDir.resolve(Tuning.FILE);
    PostProcessor post = Tuning.fromJson(Files.readString(tuned), tuned.toString())
        .postProcessor();
    Map<String, BinaryMask[]> truth = readTruth(Path.of(cfg.predict().truthCsv()), classes, h,
        w);
    List<Path> files;
    try (var s = Files.list(Path.of(cfg.data().testImages()))) {
      files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    List<String> names = new ArrayList<>(List.of("mean"));
    List<double[]> dice = new ArrayList<>();
    List<float[][]> peaks = new ArrayList<>(); // [image][fold * classes + class]
    List<boolean[]> present = new ArrayList<>();
    int folds;
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      List<TiledEnsemble> models = new ArrayList<>();
      for (int f = 0; Files.isDirectory(runDir.resolve("fold-" + f)); f++) {
        models.add(new TiledEnsemble(List.of(predictor(runDir.resolve("fold-" + f), m, cfg)),
            cfg.tileGeometry(), classes));
      }
      folds = models.size();
      if (folds == 0) {
        throw new IllegalArgumentException("no fold-<k> folders under " + runDir);
      }
      for (int v = 1; v <= folds; v++) {
        names.add("vote-" + v);
      }
      names.add("max");
      for (int s = 0; s < names.size(); s++) {
        dice.add(new double[classes]);
      }
      System.out.printf(Locale.ROOT, "ensemble combine: run %s, %d folds, %d test images of "
          + "%dx%d; rules %s%n", runId, folds, files.size(), h, w, post.rules());
      for (Path file : files) {
        String id = file.getFileName().toString();
        Image8 img = ImageCodec.decode(Files.readAllBytes(file));
        if (img.channels() == 3 && img.isGrey()) {
          img = img.firstChannel(); // as predict scores it
        }
        List<float[][]> maps = new ArrayList<>();
        for (TiledEnsemble model : models) {
          maps.add(model.probabilities(List.of(img)).get(0));
        }
        BinaryMask[] t = truth.getOrDefault(id, new BinaryMask[classes]);
        float[][] mean = PostProcessing.average(maps);
        float[] peak = new float[folds * classes];
        boolean[] has = new boolean[classes];
        for (int c = 0; c < classes; c++) {
          ClassRule r = post.rules().get(c);
          has[c] = t[c] != null && t[c].count() > 0;
          List<BinaryMask> combined = new ArrayList<>();
          combined.add(post.apply(mean, h, w)[c]);
          int[] votes = new int[h * w];
          float[] max = new float[h * w];
          for (int f = 0; f < folds; f++) {
            float[] plane = maps.get(f)[c];
            peak[f * classes + c] = PostProcessor.max(plane);
            BinaryMask one = ruleMask(r, plane, h, w);
            for (int i = 0; i < plane.length; i++) {
              votes[i] += one.get(i / w, i % w) ? 1 : 0;
              max[i] = Math.max(max[i], plane[i]);
            }
          }
          for (int v = 1; v <= folds; v++) {
            byte[] on = new byte[h * w];
            for (int i = 0; i < on.length; i++) {
              on[i] = (byte) (votes[i] >= v ? 1 : 0);
            }
            combined.add(BinaryMask.wrap(h, w, on));
          }
          combined.add(ruleMask(r, max, h, w));
          for (int s = 0; s < combined.size(); s++) {
            BinaryMask p = combined.get(s);
            dice.get(s)[c] += SegmentationMetrics.pairDice(p.count() == 0 ? null : p,
                has[c] ? t[c] : null);
          }
        }
        peaks.add(new float[][] {peak});
        present.add(has);
      }
    }
    int n = files.size();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-8s", "combine"));
    for (int c = 1; c <= classes; c++) {
      head.append(String.format(Locale.ROOT, "  class %d", c));
    }
    System.out.println(head.append("     mean"));
    double[] empty = new double[classes];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < classes; c++) {
        empty[c] += present.get(i)[c] ? 0 : 1;
      }
    }
    printRow("empty", empty, n);
    for (int s = 0; s < names.size(); s++) {
      printRow(names.get(s), dice.get(s), n);
    }
    System.out.println("per fold, the mean of each test image's peak probability, on images "
        + "with the class / without it:");
    for (int f = 0; f < folds; f++) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "fold %-3d", f));
      for (int c = 0; c < classes; c++) {
        double with = 0;
        double without = 0;
        int nWith = 0;
        for (int i = 0; i < n; i++) {
          float p = peaks.get(i)[0][f * classes + c];
          if (present.get(i)[c]) {
            with += p;
            nWith++;
          } else {
            without += p;
          }
        }
        sb.append(String.format(Locale.ROOT, "  %s/%.2f",
            nWith == 0 ? "  - " : String.format(Locale.ROOT, "%.2f", with / nWith),
            n == nWith ? Double.NaN : without / (n - nWith)));
      }
      System.out.println(sb);
    }
  }

  /** The rule's mask of one plane (its gate included), as {@link PostProcessor#apply}. */
  private static BinaryMask ruleMask(ClassRule r, float[] plane, int h, int w) {
    return new PostProcessor(List.of(r)).apply(new float[][] {plane}, h, w)[0];
  }

  private static void printRow(String name, double[] sums, int n) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s", name));
    double all = 0;
    for (double d : sums) {
      sb.append(String.format(Locale.ROOT, "  %7.4f", d / n));
      all += d;
    }
    System.out.println(sb.append(String.format(Locale.ROOT, "  %7.4f", all / n / sums.length)));
  }

  private static SegmentationPredictor predictor(Path dir, NDManager m, SparksegConfig cfg)
      throws Exception {
    ModelIo.Saved saved = ModelIo.load(dir, FoldTrainer.BEST, m);
    return new SegmentationPredictor(saved.model(), m, new Normalization(
        saved.card().normalizationMean(), saved.card().normalizationStd()),
        cfg.predictBatchSize(false), cfg.predict().flipTta());
  }

  /** The truth CSV (Kaggle train.csv layouts) as image id to one mask per class. */
  private static Map<String, BinaryMask[]> readTruth(Path csv, int classes, int h, int w)
      throws Exception {
    List<String> lines = Files.readAllLines(csv);
    TrainCsv.Layout layout = TrainCsv.detect(lines.get(0));
    Map<String, BinaryMask[]> out = new HashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      TrainCsv.Row r = TrainCsv.parse(layout, lines.get(i), classes);
      if (r.kind() == TrainCsv.Row.Kind.REJECTED) {
        throw new IllegalArgumentException(csv + " line " + (i + 1) + ": " + r);
      }
      BinaryMask[] masks = out.computeIfAbsent(r.imageId(), k -> new BinaryMask[classes]);
      if (r.kind() == TrainCsv.Row.Kind.MASK) {
        masks[r.classId() - 1] = io.sparkseg.core.rle.Rle.decode(r.rle(), h, w);
      }
    }
    return new LinkedHashMap<>(out);
  }
}
