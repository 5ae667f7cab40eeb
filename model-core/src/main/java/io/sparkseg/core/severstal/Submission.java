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

  /** The layouts a submission can be written in. */
  public enum Layout {
    /** {@code ImageId_ClassId,EncodedPixels}: the competition's submission format. */
    LEGACY("ImageId_ClassId,EncodedPixels"),
    /** {@code ImageId,EncodedPixels,ClassId}: the newer sample submission's layout. */
    NEWER("ImageId,EncodedPixels,ClassId");

    private final String header;

    Layout(String header) {
      this.header = header;
    }

    public String header() {
      return header;
    }

    /** By config name ({@code legacy} or {@code newer}). */
    public static Layout of(String name) {
      for (Layout l : values()) {
        if (l.name().equalsIgnoreCase(name)) {
          return l;
        }
      }
      throw new IllegalArgumentException("unknown submission layout '" + name
          + "' (legacy: " + LEGACY.header + "; newer: " + NEWER.header + ")");
    }
  }

  /**
   * Writes a submission: the header, then for each image in id order one row per class
   * 1..classes, in class order, with the empty string for no defect. {@code rles.get(id)[c]} is
   * class c+1's RLE (null = empty); every image must have exactly {@code classes} entries.
   */
  public static void write(java.io.Writer out, Layout layout, Map<String, String[]> rles,
      int classes) throws IOException {
    writeHeader(out, layout);
    for (String id : new TreeSet<>(rles.keySet())) {
      String[] r = rles.get(id);
      if (r.length != classes) {
        throw new IllegalArgumentException(id + ": " + r.length + " class masks, expected "
            + classes);
      }
      writeImage(out, layout, id, r);
    }
    out.flush();
  }

  /** The header line of {@code layout}. */
  public static void writeHeader(java.io.Writer out, Layout layout) throws IOException {
    out.write(layout.header());
    out.write('\n');
  }

  /** One image's rows, class 1 first ({@code rles[c]} null = empty). */
  public static void writeImage(java.io.Writer out, Layout layout, String id, String[] rles)
      throws IOException {
    if (id.contains(",") || id.contains("\n") || id.contains("\"")) {
      throw new IllegalArgumentException("image id '" + id + "' cannot be written to a CSV");
    }
    for (int c = 0; c < rles.length; c++) {
      String rle = rles[c] == null ? "" : rles[c];
      out.write(layout == Layout.LEGACY ? id + "_" + (c + 1) + "," + rle
          : id + "," + rle + "," + (c + 1));
      out.write('\n');
    }
  }

  /** Masks by image id, {@code classes} per image (null = empty), from one file. */
  public static Map<String, BinaryMask[]> read(Path file, int classes, int height, int width)
      throws IOException {
    Map<String, String[]> rles = readRles(Files.readAllLines(file, StandardCharsets.UTF_8),
        file.toString(), classes);
    Map<String, BinaryMask[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> e : rles.entrySet()) {
      out.put(e.getKey(), decode(e.getValue(), height, width, file + " image " + e.getKey()));
    }
    return out;
  }

  /** The masks of one image's RLEs (null or "" = empty, given as null). */
  public static BinaryMask[] decode(String[] rles, int height, int width, String where)
      throws IOException {
    BinaryMask[] masks = new BinaryMask[rles.length];
    for (int c = 0; c < rles.length; c++) {
      if (rles[c] != null && !rles[c].isBlank()) {
        try {
          masks[c] = Rle.decode(rles[c], height, width);
        } catch (IllegalArgumentException e) {
          throw new IOException(where + " class " + (c + 1) + ": " + e.getMessage(), e);
        }
      }
    }
    return masks;
  }

  /**
   * RLE strings by image id ({@code [class-1]}, null = no mask) from the lines of a file in any
   * Severstal layout; {@code source} names the file in errors (with the line number). The RLEs
   * are checked for syntax and order but not decoded, so large files stay cheap.
   */
  public static Map<String, String[]> readRles(List<String> lines, String source, int classes)
      throws IOException {
    if (lines.isEmpty()) {
      throw new IOException(source + " is empty; expected a header line");
    }
    String header = lines.get(0).replace("\uFEFF", "").trim().replace("\"", "");
    boolean newer = header.equalsIgnoreCase("ImageId,EncodedPixels,ClassId");
    TrainCsv.Layout layout;
    try {
      layout = newer ? null : TrainCsv.detect(header);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + " line 1: " + e.getMessage(), e);
    }
    Map<String, String[]> out = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String where = source + " line " + (i + 1) + ": ";
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
      String[] rles = out.computeIfAbsent(row.imageId(), k -> new String[classes]);
      if (row.kind() == TrainCsv.Row.Kind.MASK) {
        try {
          Rle.parse(row.rle(), Integer.MAX_VALUE / 2, 2);
        } catch (IllegalArgumentException e) {
          throw new IOException(where + e.getMessage(), e);
        }
        rles[row.classId() - 1] = row.rle();
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
