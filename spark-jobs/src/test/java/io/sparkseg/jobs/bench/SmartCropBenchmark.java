package io.sparkseg.jobs.bench;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.detect.DetectorModel;
import io.sparkseg.core.detect.PhotoCropper;
import io.sparkseg.core.geometry.Resize;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkSessions;
import io.sparkseg.jobs.crop.DetectorCache;
import io.sparkseg.jobs.crop.SmartCropJob;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark (not a test): {@code smart-crop} photos/s per core with the HOG detector and with
 * the YOLO-seg fixture ONNX model (../shared/fixtures; its detections are fixed, its cost is a
 * real 640×640 ONNX Runtime pass), side by side: the Spark job on local[*] and the bare
 * detect-and-crop loop on one thread. Also resizing a photo to its crop, OpenCV against
 * java.awt's bilinear drawImage. {@code bench/run smart-crop [photos=48]}.
 */
public final class SmartCropBenchmark {
  private SmartCropBenchmark() {}

  public static void main(String[] args) throws Exception {
    int photos = args.length > 0 ? Integer.parseInt(args[0]) : 48;
    Path work = Path.of(args.length > 1 ? args[1] : "target/bench-smart-crop").toAbsolutePath();
    Path repo = Path.of(System.getProperty("sparkseg.repo.root", ".")).toAbsolutePath();
    Path fixtures = repo.normalize().resolveSibling("shared").resolve("fixtures");
    Path onnx = fixtures.resolve("yolo-seg-format-constant.onnx");
    Map<String, String> o = new LinkedHashMap<>();
    o.put("work-dir", work.toString());
    o.put("dataset.kind", "person-photos");
    o.put("data.classes", "1");
    o.put("data.image-height", "512");
    o.put("data.image-width", "512");
    o.put("photos.demo-train-photos", "" + photos);
    o.put("photos.demo-test-photos", "0");
    o.put("photos.demo-base", fixtures.resolve("people").toString());
    o.put("train.pos-weight", "[1.0]");
    o.put("spark.ui.enabled", "false");
    SparksegConfig hog = ConfigLoader.load(null, o);
    Pipeline.generateDemo(hog, System.out);
    List<Image8> decoded = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of(hog.photos().images()))) {
      for (Path p : s.sorted().toList()) {
        decoded.add(ImageCodec.decode(Files.readAllBytes(p)));
      }
    }
    SparkSession spark = SparkSessions.create(hog);
    int cores = spark.sparkContext().defaultParallelism();
    System.out.printf(Locale.ROOT, "smart-crop benchmark: %d photos (mean %d x %d), %d cores, "
        + "crops of %d%n", photos, (int) decoded.stream().mapToInt(Image8::width).average()
        .orElse(0), (int) decoded.stream().mapToInt(Image8::height).average().orElse(0), cores,
        hog.photos().roi().size());
    List<SparksegConfig> configs = new ArrayList<>(List.of(hog));
    if (Files.isRegularFile(onnx)) {
      Map<String, String> y = new LinkedHashMap<>(o);
      y.put("detector.kind", "yolo-seg");
      y.put("detector.model", onnx.toString());
      configs.add(ConfigLoader.load(null, y));
    } else {
      System.out.println("(no " + onnx + ": YOLO-seg not measured)");
    }
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    for (SparksegConfig cfg : configs) {
      String kind = cfg.photos().detector().kind();
      // the job: a warm-up run, then a fresh crops table timed
      deleteTree(work.resolve("tables"));
      SmartCropJob.run(spark, cfg, quiet);
      deleteTree(work.resolve("tables"));
      long t0 = System.nanoTime();
      SmartCropJob.run(spark, cfg, quiet);
      double job = (System.nanoTime() - t0) / 1e9;
      // the bare loop, one thread
      DetectorModel model = DetectorCache.get(cfg.photos().detector(), new Configuration());
      double loop;
      try (PhotoCropper cropper = new PhotoCropper(model, cfg.photos().roi(),
          cfg.photos().fallback())) {
        cropper.crop(decoded.get(0));
        long t1 = System.nanoTime();
        for (Image8 img : decoded) {
          cropper.crop(img);
        }
        loop = (System.nanoTime() - t1) / 1e9;
      }
      System.out.printf(Locale.ROOT, "%-9s job %6.1f s = %5.2f photos/s/core   |   bare loop "
          + "(1 thread) %6.1f s = %5.2f photos/s%n", kind, job, photos / job / cores, loop,
          photos / loop);
    }
    // resizing a photo to the crop: OpenCV (what Resize uses) against java.awt
    int reps = 3;
    long t2 = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      for (Image8 img : decoded) {
        Resize.photo(img, 512, 512);
      }
    }
    double cv = (System.nanoTime() - t2) / 1e9;
    List<BufferedImage> awtIn = new ArrayList<>();
    for (Image8 img : decoded) {
      BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
      b.getRaster().setDataElements(0, 0, img.width(), img.height(), img.data());
      awtIn.add(b);
    }
    long t3 = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      for (BufferedImage b : awtIn) {
        BufferedImage out = new BufferedImage(512, 512, BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
            RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(b, 0, 0, 512, 512, null);
        g.dispose();
      }
    }
    double awt = (System.nanoTime() - t3) / 1e9;
    int n = reps * decoded.size();
    System.out.printf(Locale.ROOT, "resize photo -> 512x512: OpenCV %.2f ms, java.awt bilinear "
        + "%.2f ms per photo (x%.1f)%n", cv * 1e3 / n, awt * 1e3 / n, awt / cv);
    spark.stop();
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
