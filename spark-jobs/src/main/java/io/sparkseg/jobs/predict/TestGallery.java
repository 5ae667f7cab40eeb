package io.sparkseg.jobs.predict;

import static org.apache.spark.sql.functions.col;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.report.RunReport;
import io.sparkseg.core.viz.Overlay;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.report.ReportWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The run report's pictures from one predict: with truth, the {@link #SIZE} worst and best test
 * images by Kaggle Dice (mean over classes, an empty truth predicted empty scores 1; the best
 * among images with a defect where there are any), each drawn
 * with the prediction filled and the truth outlined; without truth, a sample of the overlays the
 * executors wrote.
 */
final class TestGallery {
  static final int SIZE = 3;

  /** One scored image and its masks at the image's size. */
  record Pick(String id, double dice, BinaryMask[] predicted, BinaryMask[] truth) {}

  private final PriorityQueue<Pick> worst =
      new PriorityQueue<>(Comparator.comparingDouble(Pick::dice).reversed());
  private final PriorityQueue<Pick> best =
      new PriorityQueue<>(Comparator.comparingDouble(Pick::dice));
  /** The best among images with something to find: an empty image predicted empty tells little. */
  private final PriorityQueue<Pick> bestWithDefects =
      new PriorityQueue<>(Comparator.comparingDouble(Pick::dice));

  /** Offers an image's masks (null entries are empty masks). */
  void offer(String id, BinaryMask[] predicted, BinaryMask[] truth) {
    double sum = 0;
    for (int c = 0; c < predicted.length; c++) {
      sum += dice(predicted[c], truth[c]);
    }
    Pick p = new Pick(id, sum / predicted.length, predicted, truth);
    keep(worst, p);
    keep(best, p);
    if (java.util.Arrays.stream(truth).anyMatch(t -> t != null && !t.isEmpty())) {
      keep(bestWithDefects, p);
    }
  }

  private static void keep(PriorityQueue<Pick> q, Pick p) {
    q.add(p);
    if (q.size() > SIZE) {
      q.poll();
    }
  }

  /** Kaggle's Dice of one mask pair: 1 when both are empty. */
  static double dice(BinaryMask p, BinaryMask t) {
    return io.sparkseg.core.metrics.SegmentationMetrics.pairDice(p, t);
  }

  /** Worst first (lowest Dice), then best (highest first). */
  List<Pick> worst() {
    List<Pick> out = new ArrayList<>(worst);
    out.sort(Comparator.comparingDouble(Pick::dice));
    return out;
  }

  /** Best first, among images whose truth is not empty where there are any. */
  List<Pick> best() {
    List<Pick> out = new ArrayList<>(bestWithDefects.isEmpty() ? best : bestWithDefects);
    out.sort(Comparator.comparingDouble(Pick::dice).reversed());
    return out;
  }

  boolean isEmpty() {
    return best.isEmpty();
  }

  /**
   * Draws the picks from the images' bytes (the manifest's content, or the source file for
   * images scored before) and saves them with the class legend into the run's report folder.
   */
  void save(String runDir, Dataset<Row> manifest, List<String> classNames, Configuration conf) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>();
    worst().forEach(p -> ids.add(p.id()));
    best().forEach(p -> ids.add(p.id()));
    for (Row r : manifest.filter(col("image_id").isin(ids.toArray())).select("image_id",
        "source_path", "content").collectAsList()) {
      byte[] b = r.isNullAt(2) ? null : r.getAs("content");
      if (b == null) {
        try {
          b = Inputs.readBytes(r.getString(1), conf);
        } catch (java.io.IOException | RuntimeException e) {
          continue; // an archive entry scored before: no picture
        }
      }
      bytes.put(r.getString(0), b);
    }
    Map<String, List<RunReport.Picture>> groups = new LinkedHashMap<>();
    groups.put("worst", pictures(worst(), bytes, classNames));
    groups.put("best", pictures(best(), bytes, classNames));
    List<int[]> colours = new ArrayList<>();
    for (int c = 0; c < classNames.size(); c++) {
      colours.add(Overlay.colour(c));
    }
    ReportWriter.saveGallery(runDir, groups, new RunReport.Legend(classNames, colours), conf);
  }

  private static List<RunReport.Picture> pictures(List<Pick> picks, Map<String, byte[]> bytes,
      List<String> names) {
    List<RunReport.Picture> out = new ArrayList<>();
    for (Pick p : picks) {
      byte[] b = bytes.get(p.id());
      if (b == null) {
        continue;
      }
      try {
        Image8 image = ImageCodec.decode(b);
        out.add(new RunReport.Picture(String.format(Locale.ROOT, "%s: Dice %.3f (%d×%d)",
            p.id(), p.dice(), image.width(), image.height()),
            ImageCodec.encodePng(Overlay.forPeople(image, p.predicted(), p.truth(), names))));
      } catch (io.sparkseg.core.image.ImageDecodeException | RuntimeException e) {
        // a picture that cannot be drawn is left out; the scores stand
      }
    }
    return out;
  }

  /** Without truth: up to {@code limit} of the overlay PNGs predict wrote, by name. */
  static void saveSample(String runDir, String overlayDir, int limit, Configuration conf) {
    List<RunReport.Picture> sample = new ArrayList<>();
    try {
      Path dir = new Path(overlayDir);
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return;
      }
      List<FileStatus> files = new ArrayList<>(List.of(fs.listStatus(dir)));
      files.sort(Comparator.comparing(f -> f.getPath().getName()));
      for (FileStatus f : files) {
        if (sample.size() >= limit || !f.getPath().getName().endsWith(".png")) {
          continue;
        }
        try (var in = fs.open(f.getPath())) {
          sample.add(new RunReport.Picture(f.getPath().getName(), in.readAllBytes()));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the overlays in " + overlayDir, e);
    }
    if (!sample.isEmpty()) {
      ReportWriter.saveGallery(runDir, Map.of("sample", sample), null, conf);
    }
  }
}
