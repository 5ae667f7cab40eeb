package io.sparkseg.jobs.predict;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.labelstudio.LabelStudioException;
import io.sparkseg.core.labelstudio.LabelStudioExport;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.core.rle.Rle;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What predict reports for person photos: how many photos each scan threshold decided (or none:
 * "nothing detected"), and, when {@code photos.test-annotations} holds the truth, the mean Dice
 * per photo and class (an empty prediction of an empty truth scores 1) against the empty
 * prediction's, and the worst and best photos by Dice for the run report's gallery.
 */
final class PhotoScores {
  private PhotoScores() {}

  static PredictJob.SubmissionStats score(Dataset<Row> predictions, SparksegConfig cfg,
      Configuration hadoop) {
    int classes = cfg.data().classes();
    Map<String, Map<Integer, BinaryMask>> truth = truth(cfg, hadoop);
    SegmentationMetrics metrics = new SegmentationMetrics(classes);
    SegmentationMetrics empty = new SegmentationMetrics(classes);
    // the report's worst and best photos by Dice, as for Severstal images
    TestGallery gallery = truth == null ? null : new TestGallery();
    Map<String, Long> outcomes = new TreeMap<>();
    long photos = 0;
    Iterator<Row> it = predictions.select("image_id", "class_id", "rle", "height", "width",
        "threshold").orderBy("image_id", "class_id").toLocalIterator();
    String current = null;
    BinaryMask[] predicted = new BinaryMask[classes];
    BinaryMask[] truths = new BinaryMask[classes];
    while (it.hasNext()) {
      Row r = it.next();
      String id = r.getString(0);
      if (!id.equals(current)) {
        if (current != null && gallery != null) {
          gallery.offer(current, predicted, truths);
        }
        photos++;
        current = id;
        predicted = new BinaryMask[classes];
        truths = new BinaryMask[classes];
      }
      int c = r.getInt(1);
      int h = r.getInt(3);
      int w = r.getInt(4);
      String fired = r.isNullAt(5) ? "none" : String.format(Locale.ROOT, "%.2f", r.getFloat(5));
      outcomes.merge("class" + c + "@" + fired, 1L, Long::sum);
      if (truth != null) {
        BinaryMask none = new BinaryMask(h, w);
        BinaryMask p = Rle.decode(r.getString(2), h, w);
        BinaryMask t = truth.getOrDefault(id, Map.of()).getOrDefault(c, none);
        if (t.height() != h || t.width() != w) {
          throw new IllegalArgumentException(cfg.photos().testAnnotations() + ": the truth of "
              + id + " is " + t.width() + "x" + t.height() + ", the photo " + w + "x" + h);
        }
        metrics.add(c - 1, p, t);
        empty.add(c - 1, none, t);
        predicted[c - 1] = p;
        truths[c - 1] = t;
      }
    }
    if (current != null && gallery != null) {
      gallery.offer(current, predicted, truths);
    }
    double[] dice = truth == null || photos == 0 ? null
        : new double[] {metrics.asMap().get("dice.mean"), empty.asMap().get("dice.mean")};
    return new PredictJob.SubmissionStats(photos, dice, outcomes.toString(), null, gallery);
  }

  /** Truth masks by photo file name, or null when no test export is configured. */
  static Map<String, Map<Integer, BinaryMask>> truth(SparksegConfig cfg, Configuration hadoop) {
    String file = cfg.photos().testAnnotations();
    if (file.isEmpty()) {
      return null;
    }
    Path p = new Path(file);
    List<LabelStudioExport.RawTask> tasks = new ArrayList<>();
    try (Reader r = new InputStreamReader(p.getFileSystem(hadoop).open(p),
        StandardCharsets.UTF_8)) {
      String error = LabelStudioExport.split(r, tasks::add);
      if (error != null) {
        throw new IllegalArgumentException("sparkseg.photos.test-annotations: " + file + ": "
            + error);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("sparkseg.photos.test-annotations: cannot read " + file
          + ": " + e.getMessage(), e);
    }
    Map<String, Map<Integer, BinaryMask>> out = new HashMap<>();
    for (LabelStudioExport.RawTask raw : tasks) {
      try {
        LabelStudioExport.Task t = LabelStudioExport.parseTask(raw, cfg.photos().labels());
        List<String> c = t.imageCandidates();
        out.put(c.get(c.size() - 1), t.masks());
      } catch (LabelStudioException e) {
        throw new IllegalArgumentException("sparkseg.photos.test-annotations: " + file + ": "
            + e.getMessage(), e);
      }
    }
    return out;
  }
}
