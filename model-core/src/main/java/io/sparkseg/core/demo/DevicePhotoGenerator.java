package io.sparkseg.core.demo;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sparkseg.core.detect.Detection;
import io.sparkseg.core.detect.HogPeople;
import io.sparkseg.core.detect.PersonDetector;
import io.sparkseg.core.geometry.Resize;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.labelstudio.BrushRle;
import io.sparkseg.core.labelstudio.Polygons;
import io.sparkseg.core.mask.BinaryMask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The person-photo demo: photos of people with a small medical patch on the torso, and their
 * Label Studio exports. Photos are composed from real photographs (a folder of them, e.g.
 * ../shared/fixtures/people) when given, else from simple drawn figures: the base is scaled,
 * mirrored, colour-jittered and shifted on a varied background, and a textured patch (a rounded,
 * rotated rectangle with a printed ring) is placed on the torso of the person OpenCV's HOG
 * detector ranks first on the base (the centre of the photo where it finds nobody). About one
 * photo in eight has no patch. Training tasks alternate brush and polygon results; the test
 * export holds polygons (the truth). Output depends only on the arguments.
 *
 * <p>Writes {@code photos/}, {@code annotations.json}, {@code test_photos/} and
 * {@code test_annotations.json} under the root.
 */
public final class DevicePhotoGenerator {
  /** The label the patch is annotated with. */
  public static final String LABEL = "patch";
  private static final double NO_PATCH = 0.125;

  private final int trainPhotos;
  private final int testPhotos;
  private final long seed;
  private final List<Base> bases;

  /** A base picture and the torso box of its first person, in its pixels. */
  private record Base(String name, Image8 image, double[] torso) {}

  /** One composed photo: its pixels, the patch mask (null without patch) and its polygon. */
  public record Photo(String fileName, Image8 image, BinaryMask patch, double[] xs, double[] ys) {}

  /** What was written. */
  public record Summary(int trainPhotos, int testPhotos, int withPatch, List<String> bases) {}

  public DevicePhotoGenerator(int trainPhotos, int testPhotos, long seed, Path baseFolder) {
    this.trainPhotos = trainPhotos;
    this.testPhotos = testPhotos;
    this.seed = seed;
    this.bases = loadBases(baseFolder);
  }

  private static List<Base> loadBases(Path folder) {
    List<Base> out = new ArrayList<>();
    if (folder != null && Files.isDirectory(folder)) {
      List<Path> files;
      try (Stream<Path> s = Files.list(folder)) {
        files = s.filter(p -> p.toString().matches("(?i).*\\.(png|jpe?g)$")).sorted().toList();
      } catch (IOException e) {
        files = List.of();
      }
      try (PersonDetector hog = HogPeople.defaults().newDetector()) {
        for (Path f : files) {
          try {
            Image8 img = Resize.toRgb(ImageCodec.decode(Files.readAllBytes(f)));
            List<Detection> people = hog.detect(img);
            double[] torso;
            if (people.isEmpty()) {
              torso = new double[] {0.38 * img.width(), 0.45 * img.height(), 0.62 * img.width(),
                  0.8 * img.height()};
            } else {
              Detection d = people.get(0);
              double cx = (d.x1() + d.x2()) / 2;
              torso = new double[] {cx - 0.12 * d.width(), d.y1() + 0.28 * d.height(),
                  cx + 0.12 * d.width(), d.y1() + 0.5 * d.height()};
            }
            out.add(new Base(f.getFileName().toString(), img, torso));
          } catch (IOException | ImageDecodeException e) {
            // not a usable picture: skipped
          }
        }
      }
    }
    return out;
  }

  /** Photo {@code index} of a split ("train" or "test"). */
  public Photo photo(String split, int index) {
    Random rnd = new Random(mix(seed, split.equals("train") ? 17 : 29, index));
    Image8 base;
    double[] torso;
    if (bases.isEmpty()) {
      int h = 360 + rnd.nextInt(200);
      int w = 300 + rnd.nextInt(240);
      base = figure(rnd, h, w);
      torso = new double[] {0.42 * w, 0.4 * h, 0.58 * w, 0.6 * h};
    } else {
      Base b = bases.get(rnd.nextInt(bases.size()));
      base = b.image();
      torso = b.torso().clone();
    }
    // scale, mirror, jitter
    double s = 0.8 + rnd.nextDouble() * 0.7;
    int bh = Math.max(64, (int) Math.round(base.height() * s));
    int bw = Math.max(64, (int) Math.round(base.width() * s));
    Image8 scaled = Resize.photo(base, bh, bw);
    for (int k = 0; k < 4; k++) {
      torso[k] *= (double) (k % 2 == 0 ? bw : bh) / (k % 2 == 0 ? base.width() : base.height());
    }
    boolean mirror = rnd.nextBoolean();
    if (mirror) {
      double x1 = bw - torso[2];
      double x2 = bw - torso[0];
      torso[0] = x1;
      torso[2] = x2;
    }
    int padX = (int) (bw * (0.04 + rnd.nextDouble() * 0.12));
    int padY = (int) (bh * (0.04 + rnd.nextDouble() * 0.12));
    int h = bh + padY + (int) (bh * rnd.nextDouble() * 0.1);
    int w = bw + padX + (int) (bw * rnd.nextDouble() * 0.1);
    float[] rgb = background(rnd, h, w);
    double gain = 0.85 + rnd.nextDouble() * 0.3;
    double[] tint = {0.94 + rnd.nextDouble() * 0.12, 0.94 + rnd.nextDouble() * 0.12,
        0.94 + rnd.nextDouble() * 0.12};
    for (int y = 0; y < bh; y++) {
      for (int x = 0; x < bw; x++) {
        int sx = mirror ? bw - 1 - x : x;
        int o = ((y + padY) * w + x + padX) * 3;
        for (int c = 0; c < 3; c++) {
          rgb[o + c] = (float) (scaled.get(y, sx, c) * gain * tint[c]);
        }
      }
    }
    torso[0] += padX;
    torso[2] += padX;
    torso[1] += padY;
    torso[3] += padY;
    BinaryMask patch = null;
    double[] xs = null;
    double[] ys = null;
    if (rnd.nextDouble() >= NO_PATCH) {
      double side = Math.min(h, w) * (0.06 + rnd.nextDouble() * 0.04);
      double cx = torso[0] + rnd.nextDouble() * (torso[2] - torso[0]);
      double cy = torso[1] + rnd.nextDouble() * (torso[3] - torso[1]);
      double angle = rnd.nextDouble() * Math.PI;
      double aspect = 0.65 + rnd.nextDouble() * 0.35;
      int n = 16;
      xs = new double[n];
      ys = new double[n];
      for (int k = 0; k < n; k++) {
        // a rounded rectangle: a superellipse with exponent 4
        double t = 2 * Math.PI * k / n;
        double ct = Math.cos(t);
        double st = Math.sin(t);
        double px = Math.signum(ct) * Math.pow(Math.abs(ct), 0.5) * side / 2;
        double py = Math.signum(st) * Math.pow(Math.abs(st), 0.5) * side * aspect / 2;
        xs[k] = cx + px * Math.cos(angle) - py * Math.sin(angle);
        ys[k] = cy + px * Math.sin(angle) + py * Math.cos(angle);
      }
      patch = Polygons.fill(xs, ys, h, w);
      paintPatch(rgb, h, w, patch, cx, cy, side, rnd);
    }
    byte[] px = new byte[h * w * 3];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) Math.max(0, Math.min(255, Math.round(rgb[i] + rnd.nextGaussian() * 3)));
    }
    String name = String.format(Locale.ROOT, "%s_%03d.jpg", split.equals("train") ? "photo"
        : "test", index);
    return new Photo(name, new Image8(h, w, 3, px), patch, xs, ys);
  }

  /**
   * A well-mixed seed (SplitMix64's finaliser): java.util.Random's first outputs for nearby seeds
   * are correlated, which would pick the same base picture for every photo.
   */
  private static long mix(long seed, long salt, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + salt * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static float[] background(Random rnd, int h, int w) {
    float[] out = new float[h * w * 3];
    float[] a = {40 + rnd.nextInt(180), 40 + rnd.nextInt(180), 40 + rnd.nextInt(180)};
    float[] b = {40 + rnd.nextInt(180), 40 + rnd.nextInt(180), 40 + rnd.nextInt(180)};
    boolean vertical = rnd.nextBoolean();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float t = vertical ? (float) y / h : (float) x / w;
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) {
          out[o + c] = a[c] * (1 - t) + b[c] * t;
        }
      }
    }
    return out;
  }

  /** A drawn person (used when no real photographs are given): head, neck, torso, arms. */
  private static Image8 figure(Random rnd, int h, int w) {
    float[] rgb = background(rnd, h, w);
    int[] skin = {170 + rnd.nextInt(70), 120 + rnd.nextInt(60), 90 + rnd.nextInt(50)};
    int[] hair = {20 + rnd.nextInt(80), 15 + rnd.nextInt(50), 10 + rnd.nextInt(40)};
    ellipse(rgb, h, w, 0.5 * w, 0.16 * h, 0.09 * w, 0.1 * h, skin);
    ellipse(rgb, h, w, 0.5 * w, 0.1 * h, 0.095 * w, 0.055 * h, hair);
    ellipse(rgb, h, w, 0.5 * w, 0.27 * h, 0.04 * w, 0.04 * h, skin);
    ellipse(rgb, h, w, 0.5 * w, 0.52 * h, 0.2 * w, 0.25 * h, skin);
    ellipse(rgb, h, w, 0.27 * w, 0.5 * h, 0.05 * w, 0.22 * h, skin);
    ellipse(rgb, h, w, 0.73 * w, 0.5 * h, 0.05 * w, 0.22 * h, skin);
    int[] shorts = {rnd.nextInt(120), rnd.nextInt(120), 60 + rnd.nextInt(150)};
    ellipse(rgb, h, w, 0.5 * w, 0.83 * h, 0.19 * w, 0.16 * h, shorts);
    byte[] px = new byte[rgb.length];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) Math.max(0, Math.min(255, Math.round(rgb[i])));
    }
    return new Image8(h, w, 3, px);
  }

  private static void ellipse(float[] rgb, int h, int w, double cx, double cy, double rx,
      double ry, int[] colour) {
    for (int y = Math.max(0, (int) (cy - ry)); y < Math.min(h, (int) (cy + ry) + 1); y++) {
      for (int x = Math.max(0, (int) (cx - rx)); x < Math.min(w, (int) (cx + rx) + 1); x++) {
        double dx = (x + 0.5 - cx) / rx;
        double dy = (y + 0.5 - cy) / ry;
        double d = dx * dx + dy * dy;
        if (d <= 1) {
          double shade = 1 - 0.25 * d;
          int o = (y * w + x) * 3;
          for (int c = 0; c < 3; c++) {
            rgb[o + c] = (float) (colour[c] * shade);
          }
        }
      }
    }
  }

  /** Off-white adhesive with a blue printed ring and a darker rim. */
  private static void paintPatch(float[] rgb, int h, int w, BinaryMask patch, double cx,
      double cy, double side, Random rnd) {
    float[] base = {228 + rnd.nextInt(20), 222 + rnd.nextInt(20), 210 + rnd.nextInt(25)};
    float[] ink = {40 + rnd.nextInt(40), 90 + rnd.nextInt(60), 170 + rnd.nextInt(60)};
    double ring = side * 0.22;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (!patch.get(y, x)) {
          continue;
        }
        double d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        boolean printed = Math.abs(d - ring) < side * 0.06;
        boolean rim = isEdge(patch, y, x);
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) {
          float v = printed ? ink[c] : base[c];
          rgb[o + c] = rim ? v * 0.7f : v;
        }
      }
    }
  }

  private static boolean isEdge(BinaryMask m, int y, int x) {
    return y == 0 || x == 0 || y == m.height() - 1 || x == m.width() - 1 || !m.get(y - 1, x)
        || !m.get(y + 1, x) || !m.get(y, x - 1) || !m.get(y, x + 1);
  }

  /** Writes both splits and their exports under {@code root}. */
  public Summary write(Path root) throws IOException {
    int withPatch = writeSplit(root, "train", trainPhotos, "photos", "annotations.json");
    withPatch += writeSplit(root, "test", testPhotos, "test_photos", "test_annotations.json");
    return new Summary(trainPhotos, testPhotos, withPatch,
        bases.stream().map(Base::name).toList());
  }

  private int writeSplit(Path root, String split, int n, String folder, String export)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve(folder));
    JsonArray tasks = new JsonArray();
    int withPatch = 0;
    for (int i = 0; i < n; i++) {
      Photo p = photo(split, i);
      Files.write(dir.resolve(p.fileName()), ImageCodec.encodeJpeg(p.image(), 0.92f));
      JsonObject task = new JsonObject();
      task.addProperty("id", (split.equals("train") ? 1000 : 5000) + i);
      JsonObject data = new JsonObject();
      // Label Studio's upload form: /data/upload/<project>/<8 hex>-<original name>
      data.addProperty("image", String.format(Locale.ROOT, "/data/upload/1/%08x-%s",
          (int) (seed * 31 + i * 2654435761L), p.fileName()));
      task.add("data", data);
      JsonArray result = new JsonArray();
      if (p.patch() != null) {
        withPatch++;
        boolean brush = split.equals("train") && i % 2 == 0;
        result.add(brush ? brushResult(p) : polygonResult(p));
      }
      JsonObject annotation = new JsonObject();
      annotation.addProperty("id", i + 1);
      annotation.add("result", result);
      JsonArray annotations = new JsonArray();
      annotations.add(annotation);
      task.add("annotations", annotations);
      tasks.add(task);
    }
    Files.writeString(root.resolve(export), new GsonBuilder().create().toJson(tasks),
        StandardCharsets.UTF_8);
    return withPatch;
  }

  private static JsonObject resultBase(String type, Photo p) {
    JsonObject r = new JsonObject();
    r.addProperty("type", type);
    r.addProperty("from_name", "tag");
    r.addProperty("to_name", "image");
    r.addProperty("original_width", p.image().width());
    r.addProperty("original_height", p.image().height());
    JsonObject value = new JsonObject();
    JsonArray labels = new JsonArray();
    labels.add(LABEL);
    value.add(type, labels);
    r.add("value", value);
    return r;
  }

  private static JsonObject brushResult(Photo p) {
    JsonObject r = resultBase("brushlabels", p);
    JsonArray rle = new JsonArray();
    for (int b : BrushRle.encode(p.patch())) {
      rle.add(b);
    }
    r.getAsJsonObject("value").addProperty("format", "rle");
    r.getAsJsonObject("value").add("rle", rle);
    return r;
  }

  private static JsonObject polygonResult(Photo p) {
    JsonObject r = resultBase("polygonlabels", p);
    JsonArray points = new JsonArray();
    for (int k = 0; k < p.xs().length; k++) {
      JsonArray pt = new JsonArray();
      pt.add(p.xs()[k] / p.image().width() * 100);
      pt.add(p.ys()[k] / p.image().height() * 100);
      points.add(pt);
    }
    r.getAsJsonObject("value").add("points", points);
    return r;
  }
}
