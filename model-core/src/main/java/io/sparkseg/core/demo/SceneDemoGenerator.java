package io.sparkseg.core.demo;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.scene.ClassMap;
import io.sparkseg.core.scene.Palette;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small synthetic driving sequences in the DAVID layout and CARLA palette, for the scene demo
 * and tests: a road with lane lines under the horizon, sidewalks on both sides, buildings,
 * walls, fences and vegetation behind them, poles and traffic signs along the sidewalk, other
 * structures, pedestrians on the sidewalk, and cars that move across the frames of a sequence.
 * Each frame is drawn into a {@link ClassMap} first and the photo is rendered from it (class
 * colour with per-sequence lighting, texture and noise), so labels are exact. Deterministic for a
 * seed: {@link #write} gives the same bytes every time.
 */
public final class SceneDemoGenerator {
  private final int trainSequences;
  private final int testSequences;
  private final int frames;
  private final int height;
  private final int width;
  private final long seed;
  private final Palette palette = Palette.carla();

  /** What was written. */
  public record Summary(int trainFrames, int testFrames, long[] pixelsPerClass) {}

  public SceneDemoGenerator(int trainSequences, int testSequences, int frames, int height,
      int width, long seed) {
    if (trainSequences < 1 || testSequences < 0 || frames < 1 || height < 32 || width < 32) {
      throw new IllegalArgumentException("scene demo needs >= 1 training sequence, >= 1 frame "
          + "and frames of at least 32x32");
    }
    this.trainSequences = trainSequences;
    this.testSequences = testSequences;
    this.frames = frames;
    this.height = height;
    this.width = width;
    this.seed = seed;
  }

  private int cls(String name) {
    return palette.classNames().indexOf(name);
  }

  /** One frame: its class map and the rendered photo. */
  public record Frame(ClassMap label, Image8 image) {}

  /** Frame {@code f} of sequence {@code s} ({@code test} sequences are numbered apart). */
  public Frame frame(boolean test, int s, int f) {
    Random seq = new Random(seed * 1_000_003L + (test ? 500_000 : 0) + s * 7919L);
    int h = height;
    int w = width;
    byte[] c = new byte[h * w];
    int horizon = (int) (h * (0.35 + 0.1 * seq.nextDouble()));
    double vanishX = w * (0.4 + 0.2 * seq.nextDouble());
    // sky is void (ignored), everything else gets a class
    java.util.Arrays.fill(c, (byte) ClassMap.IGNORE);
    // background band above the horizon: buildings, walls, vegetation segments
    int x = 0;
    while (x < w) {
      int seg = 8 + seq.nextInt(Math.max(9, w / 5));
      String kind = switch (seq.nextInt(4)) {
        case 0, 1 -> "building";
        case 2 -> "vegetation";
        default -> "wall";
      };
      int top = (int) (horizon * (0.1 + 0.6 * seq.nextDouble()));
      fillRect(c, w, top, horizon, x, Math.min(w, x + seg), cls(kind));
      x += seg;
    }
    // road (a trapezoid to the vanishing point), sidewalks beside it, ground below the horizon
    for (int y = horizon; y < h; y++) {
      double t = (double) (y - horizon) / (h - horizon);
      double half = (0.05 + 0.55 * t) * w;
      double walk = (0.04 + 0.3 * t) * w;
      for (int xx = 0; xx < w; xx++) {
        double dx = xx - vanishX;
        int k;
        if (Math.abs(dx) <= half) {
          k = cls("road");
        } else if (Math.abs(dx) <= half + walk) {
          k = cls("sidewalk");
        } else {
          k = cls("vegetation");
        }
        c[y * w + xx] = (byte) k;
      }
      // dashed lane line in the middle, and solid edge lines
      int dash = (int) ((y - horizon + f * 3) / Math.max(2, (h - horizon) / 8)) % 2;
      int lw = Math.max(1, (int) (0.012 * t * w));
      if (dash == 0) {
        fillRect(c, w, y, y + 1, (int) (vanishX - lw), (int) (vanishX + lw + 1), cls("road_line"));
      }
      fillRect(c, w, y, y + 1, (int) (vanishX - half), (int) (vanishX - half + lw + 1),
          cls("road_line"));
      fillRect(c, w, y, y + 1, (int) (vanishX + half - lw), (int) (vanishX + half + 1),
          cls("road_line"));
    }
    // fences along the far side, poles with signs on the sidewalk, other structures
    for (int i = 0; i < 2 + seq.nextInt(3); i++) {
      double t = 0.2 + 0.7 * seq.nextDouble();
      int y = horizon + (int) (t * (h - horizon));
      double half = (0.05 + 0.55 * t) * w;
      double walk = (0.04 + 0.3 * t) * w;
      int side = seq.nextBoolean() ? 1 : -1;
      int px = (int) (vanishX + side * (half + walk * 0.6));
      int poleH = (int) (h * (0.15 + 0.25 * t));
      int pw = Math.max(1, (int) (0.01 * w * (0.5 + t)));
      fillRect(c, w, y - poleH, y, px - pw, px + pw + 1, cls("pole"));
      int sign = Math.max(2, (int) (0.035 * w * (0.5 + t)));
      fillRect(c, w, y - poleH, y - poleH + sign, px - sign, px + sign, cls("traffic_sign"));
    }
    int fenceY = horizon + (int) (0.08 * (h - horizon));
    fillRect(c, w, fenceY - Math.max(2, h / 40), fenceY, 0, (int) (vanishX - 0.12 * w),
        cls("fence"));
    int ox = seq.nextInt(Math.max(1, w - w / 8));
    fillRect(c, w, horizon - h / 12, horizon, ox, ox + w / 10, cls("other"));
    // pedestrians on the sidewalk, walking slowly
    for (int i = 0; i < 1 + seq.nextInt(2); i++) {
      double t = 0.35 + 0.5 * seq.nextDouble();
      int y = horizon + (int) (t * (h - horizon));
      double half = (0.05 + 0.55 * t) * w;
      int side = seq.nextBoolean() ? 1 : -1;
      int px = (int) (vanishX + side * (half + 0.02 * w)) + side * f;
      int ph = (int) (h * 0.12 * (0.4 + t));
      int pw = Math.max(2, ph / 4);
      fillEllipse(c, w, h, y - ph / 2.0, px, ph / 2.0, pw / 2.0, cls("pedestrian"));
    }
    // cars on the road, driving across the frames
    int cars = 1 + seq.nextInt(3);
    for (int i = 0; i < cars; i++) {
      double t = 0.3 + 0.6 * seq.nextDouble();
      double speed = (seq.nextBoolean() ? 1 : -1) * (0.01 + 0.03 * seq.nextDouble());
      int y = horizon + (int) (t * (h - horizon));
      double half = (0.05 + 0.55 * t) * w;
      double lane = (seq.nextDouble() - 0.5) * 1.2 * half;
      int cx = (int) (vanishX + lane + speed * w * f);
      int cw = (int) (0.3 * half + 4);
      int ch = Math.max(3, (int) (cw * 0.55));
      fillRect(c, w, y - ch, y, cx - cw / 2, cx + cw / 2, cls("car"));
    }
    ClassMap label = new ClassMap(h, w, c);
    return new Frame(label, render(label, seq, f));
  }

  private Image8 render(ClassMap label, Random seq, int f) {
    double light = 0.75 + 0.45 * seq.nextDouble();
    Random noise = new Random(seq.nextLong() + f);
    int[] colours = palette.colours();
    List<String> names = palette.names();
    List<String> classes = palette.classNames();
    byte[] px = new byte[label.height() * label.width() * 3];
    for (int p = 0; p < label.classes().length; p++) {
      int k = label.classes()[p] & 0xFF;
      int rgb = k == ClassMap.IGNORE ? 0x87CEEB // sky
          : colours[names.indexOf(classes.get(k))];
      double n = noise.nextGaussian() * 10;
      int y = p / label.width();
      double texture = ((p * 31 + y * 17) % 13) - 6;
      for (int ch = 0; ch < 3; ch++) {
        int v = rgb >> (16 - 8 * ch) & 0xFF;
        // classes are told apart by colour, but the photo is not the label: blend towards grey
        double shaded = (0.7 * v + 0.3 * 128) * light + n + texture;
        px[3 * p + ch] = (byte) Math.max(0, Math.min(255, (int) Math.round(shaded)));
      }
    }
    return new Image8(label.height(), label.width(), 3, px);
  }

  private static void fillRect(byte[] c, int w, int y0, int y1, int x0, int x1, int k) {
    int h = c.length / w;
    for (int y = Math.max(0, y0); y < Math.min(h, y1); y++) {
      for (int x = Math.max(0, x0); x < Math.min(w, x1); x++) {
        c[y * w + x] = (byte) k;
      }
    }
  }

  private static void fillEllipse(byte[] c, int w, int h, double cy, double cx, double ry,
      double rx, int k) {
    for (int y = (int) Math.max(0, cy - ry); y < Math.min(h, cy + ry + 1); y++) {
      for (int x = (int) Math.max(0, cx - rx); x < Math.min(w, cx + rx + 1); x++) {
        double dy = (y + 0.5 - cy) / ry;
        double dx = (x + 0.5 - cx) / rx;
        if (dx * dx + dy * dy <= 1) {
          c[y * w + x] = (byte) k;
        }
      }
    }
  }

  /**
   * Writes {@code root/Images/seqNN/NNN.png} and {@code root/Labels/seqNN/NNN.png} (training),
   * and {@code root/test/Images/...}, {@code root/test/Labels/...} (held-out sequences).
   */
  public Summary write(Path root) throws IOException {
    long[] pixels = new long[palette.classes() + 1];
    int train = writeSplit(root, false, trainSequences, pixels);
    int test = writeSplit(root.resolve("test"), true, testSequences, pixels);
    return new Summary(train, test, pixels);
  }

  private int writeSplit(Path root, boolean test, int sequences, long[] pixels)
      throws IOException {
    int n = 0;
    for (int s = 0; s < sequences; s++) {
      String seq = String.format("seq%02d", s);
      Path img = Files.createDirectories(root.resolve("Images").resolve(seq));
      Path lab = Files.createDirectories(root.resolve("Labels").resolve(seq));
      for (int f = 0; f < frames; f++) {
        Frame fr = frame(test, s, f);
        String name = String.format("%03d.png", f);
        Files.write(img.resolve(name), ImageCodec.encodePng(fr.image()));
        Files.write(lab.resolve(name), ImageCodec.encodePng(palette.encode(fr.label())));
        long[] hist = fr.label().histogram();
        for (int k = 0; k < palette.classes(); k++) {
          pixels[k] += hist[k];
        }
        pixels[palette.classes()] += hist[ClassMap.IGNORE];
        n++;
      }
    }
    return n;
  }

  /** Names of the sequences a split has. */
  public List<String> sequences(boolean test) {
    List<String> out = new ArrayList<>();
    for (int s = 0; s < (test ? testSequences : trainSequences); s++) {
      out.add(String.format("seq%02d", s));
    }
    return out;
  }
}
