package io.sparkseg.core.severstal;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.core.rle.Rle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Severstal submission and truth files, and Kaggle's score. Reads every layout Kaggle used:
 * {@code ImageId_ClassId,EncodedPixels} (the submission format), {@code ImageId,EncodedPixels,
 * ClassId} (the newer sample submission) and {@code ImageId,ClassId,EncodedPixels} (train.csv).
 * Strict: a malformed row fails with its file and line.
 */
public final class Submission {
  private Submission() {}

  /** Masks by image id, {@code classes} per image (null = empty), from one file. */
  public static Map<String, BinaryMask[]> read(Path file, int classes, int height, int width)
      throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new IOException(file + " is empty; expected a header line");
    }
    String header = lines.get(0).replace("\uFEFF", "").trim().replace("\"", "");
    boolean newer = header.equalsIgnoreCase("ImageId,EncodedPixels,ClassId");
    TrainCsv.Layout layout = newer ? null : TrainCsv.detect(header);
    Map<String, BinaryMask[]> out = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String where = file + " line " + (i + 1) + ": ";
      TrainCsv.Row row;
      if (newer) {
        String[] f = line.split(",", -1);
        if (f.length != 3) {
          throw new IOException(where + "expected ImageId,EncodedPixels,ClassId");
        }
        row = TrainCsv.parse(TrainCsv.Layout.IMAGE_CLASS, f[0] + "," + f[2] + "," + f[1],
            classes);
      } else {
        row = TrainCsv.parse(layout, line, classes);
      }
      if (row.kind() == TrainCsv.Row.Kind.REJECTED) {
        throw new IOException(where + row.reason().code() + ": " + row.detail());
      }
      BinaryMask[] masks = out.computeIfAbsent(row.imageId(), k -> new BinaryMask[classes]);
      if (row.kind() == TrainCsv.Row.Kind.MASK) {
        try {
          masks[row.classId() - 1] = Rle.decode(row.rle(), height, width);
        } catch (IllegalArgumentException e) {
          throw new IOException(where + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** What {@link #score} found. */
  public record Score(SegmentationMetrics metrics, int images, int missingFromSubmission) {}

  /**
   * Kaggle's score: mean Dice over every (image, class) pair of the images in either file, an
   * empty prediction of an empty truth scoring 1. Images of the truth with no submission rows
   * count as predicted empty (and are reported).
   */
  public static Score score(Map<String, BinaryMask[]> submission, Map<String, BinaryMask[]> truth,
      int classes, int height, int width) {
    TreeSet<String> images = new TreeSet<>(submission.keySet());
    images.addAll(truth.keySet());
    SegmentationMetrics m = new SegmentationMetrics(classes);
    BinaryMask empty = new BinaryMask(height, width);
    int missing = 0;
    for (String id : images) {
      BinaryMask[] p = submission.get(id);
      BinaryMask[] t = truth.get(id);
      missing += p == null ? 1 : 0;
      for (int c = 0; c < classes; c++) {
        BinaryMask pc = p == null || p[c] == null ? empty : p[c];
        BinaryMask tc = t == null || t[c] == null ? empty : t[c];
        m.add(c, pc, tc);
      }
    }
    return new Score(m, images.size(), missing);
  }
}
