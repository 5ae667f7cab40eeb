package io.sparkseg.core.demo;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a Severstal-like data set in the Kaggle download's layout: {@code train_images/},
 * {@code test_images/}, {@code train.csv} ({@code ImageId,ClassId,EncodedPixels}, defect rows
 * only) and {@code sample_submission.csv}; plus {@code test_truth.csv}, the test labels, which
 * the real download does not have. Images are grey steel strips saved as 3-channel JPEG with
 * rolling streaks and noise; the four classes have distinct shapes (1: clusters of small pits,
 * 2: thin vertical cracks, 3: long horizontal scratch bands, 4: large dark blobs), class 3
 * dominant and class 2 rare as in the competition; masks never overlap. Each image comes from
 * its own seeded generator, so output depends only on the settings.
 */
public final class DemoDataGenerator {
  /** Competition mix of the first defect class of a defective image (classes 1..4). */
  private static final double[] CLASS_WEIGHTS = {0.13, 0.04, 0.72, 0.11};
  private static final double SECOND_CLASS_PROBABILITY = 0.12;

  private final DemoDataset spec;

  public DemoDataGenerator(DemoDataset spec) {
    this.spec = spec;
  }

  /** One generated image with its per-class masks (index 0 = class 1). */
  public record Sample(String imageId, Image8 image, BinaryMask[] masks) {}

  /** Summary of what {@link #writeKaggleLayout} wrote. */
  public record Summary(int trainImages, int testImages, int[] trainImagesPerClass,
      int trainCsvRows) {}

  /** Generates sample {@code index} of the given split ("train" or "test"). */
  public Sample sample(String split, int index) {
    long splitSalt = split.equals("train") ? 0x5EED_0001L : 0x5EED_0002L;
    Random rnd = new Random(spec.seed() * 1_000_003L + splitSalt * 7919L + index);
    String id = String.format(Locale.ROOT, "%09x.jpg", rnd.nextLong() & 0xF_FFFF_FFFFL);
    int h = spec.height();
    int w = spec.width();
    float[] px = background(rnd, h, w);
    BinaryMask[] masks = new BinaryMask[DemoDataset.CLASSES];
    for (int c = 0; c < masks.length; c++) {
      masks[c] = new BinaryMask(h, w);
    }
    BinaryMask taken = new BinaryMask(h, w);
    if (rnd.nextDouble() >= spec.cleanFraction()) {
      int first = pickClass(rnd, -1);
      drawDefect(rnd, first, px, masks[first], taken);
      if (rnd.nextDouble() < SECOND_CLASS_PROBABILITY) {
        int second = pickClass(rnd, first);
        drawDefect(rnd, second, px, masks[second], taken);
      }
    }
    byte[] grey = new byte[h * w * 3];
    for (int i = 0; i < h * w; i++) {
      int v = Math.max(0, Math.min(255, Math.round(px[i])));
      grey[3 * i] = grey[3 * i + 1] = grey[3 * i + 2] = (byte) v;
    }
    return new Sample(id, new Image8(h, w, 3, grey), masks);
  }

  private static int pickClass(Random rnd, int exclude) {
    double total = 0;
    for (int c = 0; c < CLASS_WEIGHTS.length; c++) {
      total += c == exclude ? 0 : CLASS_WEIGHTS[c];
    }
    double u = rnd.nextDouble() * total;
    for (int c = 0; c < CLASS_WEIGHTS.length; c++) {
      if (c == exclude) {
        continue;
      }
      u -= CLASS_WEIGHTS[c];
      if (u <= 0) {
        return c;
      }
    }
    return exclude == 2 ? 0 : 2;
  }

  private static float[] background(Random rnd, int h, int w) {
    float base = 95 + rnd.nextFloat() * 40;
    float[] rowStreak = new float[h];
    float drift = 0;
    for (int r = 0; r < h; r++) {
      drift = 0.85f * drift + (float) rnd.nextGaussian() * 2.5f; // rolling-direction streaks
      rowStreak[r] = drift;
    }
    float tilt = (rnd.nextFloat() - 0.5f) * 20f / w;
    float[] px = new float[h * w];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        px[r * w + c] = base + rowStreak[r] + tilt * c + (float) rnd.nextGaussian() * 5f;
      }
    }
    return px;
  }

  private void drawDefect(Random rnd, int cls, float[] px, BinaryMask mask, BinaryMask taken) {
    int h = spec.height();
    int w = spec.width();
    double s = h / 256.0; // shapes scale with image height
    switch (cls) {
      case 0 -> { // class 1: a cluster of small dark pits
        int cx = rnd.nextInt(w);
        int cy = rnd.nextInt(h);
        int n = 4 + rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
          double ex = cx + rnd.nextGaussian() * 30 * s;
          double ey = cy + rnd.nextGaussian() * 20 * s;
          double rx = (3 + rnd.nextDouble() * 7) * s;
          double ry = (3 + rnd.nextDouble() * 7) * s;
          paintEllipse(px, mask, taken, ex, ey, rx, ry, -55, 0);
        }
      }
      case 1 -> { // class 2: thin vertical cracks
        int n = 1 + rnd.nextInt(3);
        int x0 = rnd.nextInt(w);
        for (int i = 0; i < n; i++) {
          double x = x0 + rnd.nextGaussian() * 25 * s;
          double len = (40 + rnd.nextDouble() * 110) * s;
          double y = rnd.nextDouble() * Math.max(1, h - len);
          double half = Math.max(1.5, (1.5 + rnd.nextDouble() * 1.5) * s);
          double slope = (rnd.nextDouble() - 0.5) * 0.3;
          for (int r = (int) y; r < Math.min(h, y + len); r++) {
            double xc = x + slope * (r - y);
            for (int c = (int) Math.floor(xc - half); c <= Math.ceil(xc + half); c++) {
              paintPixel(px, mask, taken, r, c, -60);
            }
          }
        }
      }
      case 2 -> { // class 3: long horizontal scratch bands, brighter and striated
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
          double len = (120 + rnd.nextDouble() * 480) * s;
          double thick = (8 + rnd.nextDouble() * 28) * s;
          double x = rnd.nextDouble() * Math.max(1, w - len);
          double y = thick + rnd.nextDouble() * Math.max(1, h - 2 * thick);
          double wave = rnd.nextDouble() * 0.02;
          double phase = rnd.nextDouble() * Math.PI * 2;
          for (int c = (int) x; c < Math.min(w, x + len); c++) {
            double t = (c - x) / len;
            double halfT = thick / 2 * Math.sqrt(Math.max(0, 1 - Math.pow(2 * t - 1, 4)));
            double yc = y + Math.sin(phase + c * wave) * 6 * s;
            for (int r = (int) Math.floor(yc - halfT); r <= Math.ceil(yc + halfT); r++) {
              paintPixel(px, mask, taken, r, c, 38 + 10 * (float) Math.sin(r * 1.3));
            }
          }
        }
      }
      default -> { // class 4: large dark blobs
        double cx = rnd.nextDouble() * w;
        double cy = rnd.nextDouble() * h;
        int lobes = 2 + rnd.nextInt(3);
        for (int i = 0; i < lobes; i++) {
          double ex = cx + rnd.nextGaussian() * 35 * s;
          double ey = cy + rnd.nextGaussian() * 20 * s;
          double rx = (30 + rnd.nextDouble() * 60) * s;
          double ry = (20 + rnd.nextDouble() * 40) * s;
          paintEllipse(px, mask, taken, ex, ey, rx, ry, -70, 1);
        }
      }
    }
  }

  private void paintEllipse(float[] px, BinaryMask mask, BinaryMask taken, double cx, double cy,
      double rx, double ry, float delta, int texture) {
    int h = spec.height();
    int w = spec.width();
    for (int r = (int) Math.max(0, cy - ry); r <= Math.min(h - 1, cy + ry); r++) {
      for (int c = (int) Math.max(0, cx - rx); c <= Math.min(w - 1, cx + rx); c++) {
        double dx = (c - cx) / rx;
        double dy = (r - cy) / ry;
        if (dx * dx + dy * dy <= 1) {
          float d = texture == 1 ? delta + 12 * (float) Math.sin(c * 0.21 + r * 0.17) : delta;
          paintPixel(px, mask, taken, r, c, d);
        }
      }
    }
  }

  private void paintPixel(float[] px, BinaryMask mask, BinaryMask taken, int r, int c,
      float delta) {
    if (r < 0 || c < 0 || r >= spec.height() || c >= spec.width()) {
      return;
    }
    if (taken.get(r, c) && !mask.get(r, c)) {
      return; // another class already owns this pixel: masks stay disjoint
    }
    if (!mask.get(r, c)) {
      px[r * spec.width() + c] += delta;
      mask.set(r, c, true);
      taken.set(r, c, true);
    }
  }

  /** Writes the Kaggle layout under {@code root}, replacing generated files already there. */
  public Summary writeKaggleLayout(Path root) throws IOException {
    Path trainDir = Files.createDirectories(root.resolve("train_images"));
    Path testDir = Files.createDirectories(root.resolve("test_images"));
    int[] perClass = new int[DemoDataset.CLASSES];
    List<String> trainRows = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < spec.trainImages(); i++) {
      Sample s = uniqueSample("train", i, ids);
      Files.write(trainDir.resolve(s.imageId()), ImageCodec.encodeJpeg(s.image(), 0.95f));
      for (int c = 0; c < s.masks().length; c++) {
        if (!s.masks()[c].isEmpty()) {
          perClass[c]++;
          trainRows.add(s.imageId() + "," + (c + 1) + "," + Rle.encode(s.masks()[c]));
        }
      }
    }
    List<String> truthRows = new ArrayList<>();
    TreeSet<String> testIds = new TreeSet<>();
    for (int i = 0; i < spec.testImages(); i++) {
      Sample s = uniqueSample("test", i, ids);
      Files.write(testDir.resolve(s.imageId()), ImageCodec.encodeJpeg(s.image(), 0.95f));
      testIds.add(s.imageId());
      for (int c = 0; c < s.masks().length; c++) {
        if (!s.masks()[c].isEmpty()) {
          truthRows.add(s.imageId() + "," + (c + 1) + "," + Rle.encode(s.masks()[c]));
        }
      }
    }
    trainRows.sort(null);
    truthRows.sort(null);
    writeCsv(root.resolve("train.csv"), "ImageId,ClassId,EncodedPixels", trainRows);
    writeCsv(root.resolve("test_truth.csv"), "ImageId,ClassId,EncodedPixels", truthRows);
    List<String> sample = new ArrayList<>();
    for (String id : testIds) {
      sample.add(id + ",1 1,1");
    }
    writeCsv(root.resolve("sample_submission.csv"), "ImageId,EncodedPixels,ClassId", sample);
    return new Summary(spec.trainImages(), spec.testImages(), perClass, trainRows.size());
  }

  private Sample uniqueSample(String split, int index, Set<String> seen) {
    Sample s = sample(split, index);
    if (!seen.add(s.imageId())) { // 36-bit ids: a clash is astronomically rare, but be exact
      throw new IllegalStateException("generated image id " + s.imageId() + " twice; change seed");
    }
    return s;
  }

  private static void writeCsv(Path file, String header, List<String> rows) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(header);
      out.write('\n');
      for (String row : rows) {
        out.write(row);
        out.write('\n');
      }
    }
  }
}
