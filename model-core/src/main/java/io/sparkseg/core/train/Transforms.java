package io.sparkseg.core.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.Random;

/**
 * The augmentation transforms. Geometric ones are written as a {@link Mapping} from output to
 * source coordinates, shared by image and masks; outside the source, pixels are 0.
 */
public final class Transforms {
  private Transforms() {}

  /** Output pixel (row, col) → source coordinates {y, x} (may be fractional or outside). */
  @FunctionalInterface
  interface Mapping {
    void source(int row, int col, double[] yx);
  }

  public static Augmenter.Transform horizontalFlip() {
    return (s, rnd) -> Augmenter.remap(s, (r, c, yx) -> {
      yx[0] = r;
      yx[1] = s.image().width() - 1 - c;
    }, false);
  }

  public static Augmenter.Transform verticalFlip() {
    return (s, rnd) -> Augmenter.remap(s, (r, c, yx) -> {
      yx[0] = s.image().height() - 1 - r;
      yx[1] = c;
    }, false);
  }

  /**
   * Rotation by a random multiple of 90°. A non-square image keeps its shape, so only 180° is
   * possible for it (a batch cannot mix 256×512 and 512×256).
   */
  public static Augmenter.Transform rotate90() {
    return (s, rnd) -> {
      int h = s.image().height();
      int w = s.image().width();
      int k = h == w ? rnd.nextInt(4) : 2 * rnd.nextInt(2);
      return switch (k) {
        case 1 -> Augmenter.remap(s, (r, c, yx) -> {
          yx[0] = c;
          yx[1] = w - 1 - r;
        }, false);
        case 2 -> Augmenter.remap(s, (r, c, yx) -> {
          yx[0] = h - 1 - r;
          yx[1] = w - 1 - c;
        }, false);
        case 3 -> Augmenter.remap(s, (r, c, yx) -> {
          yx[0] = h - 1 - c;
          yx[1] = r;
        }, false);
        default -> s;
      };
    };
  }

  /**
   * Random shift (fraction of size, ±{@code shift}), scale (1 ± {@code scale}) and rotation
   * (±{@code degrees}) about the centre. {@code nearestImage} samples the image like the masks
   * (used to test alignment exactly); otherwise bilinear.
   */
  public static Augmenter.Transform shiftScaleRotate(double shift, double scale, double degrees,
      boolean nearestImage) {
    return (s, rnd) -> {
      int h = s.image().height();
      int w = s.image().width();
      double dx = (rnd.nextDouble() * 2 - 1) * shift * w;
      double dy = (rnd.nextDouble() * 2 - 1) * shift * h;
      double k = 1 + (rnd.nextDouble() * 2 - 1) * scale;
      double a = Math.toRadians((rnd.nextDouble() * 2 - 1) * degrees);
      double cos = Math.cos(a) / k;
      double sin = Math.sin(a) / k;
      double cy = (h - 1) / 2.0;
      double cx = (w - 1) / 2.0;
      return Augmenter.remap(s, (r, c, yx) -> {
        double y = r - cy - dy;
        double x = c - cx - dx;
        yx[0] = cy + cos * y - sin * x; // inverse rotation and scale
        yx[1] = cx + sin * y + cos * x;
      }, !nearestImage);
    };
  }

  /**
   * Elastic deformation (Simard et al.): per-pixel uniform noise in [-1, 1], smoothed with a
   * Gaussian of {@code sigma} pixels, times {@code alpha}, is the displacement in pixels. The
   * slowest transform.
   */
  public static Augmenter.Transform elastic(double alpha, double sigma, boolean nearestImage) {
    return (s, rnd) -> {
      int h = s.image().height();
      int w = s.image().width();
      float[] fy = smoothNoise(rnd, h, w, sigma, alpha);
      float[] fx = smoothNoise(rnd, h, w, sigma, alpha);
      return Augmenter.remap(s, (r, c, yx) -> {
        yx[0] = r + fy[r * w + c];
        yx[1] = c + fx[r * w + c];
      }, !nearestImage);
    };
  }

  /** Brightness shift (± fraction of 255) and contrast factor (1 ± contrast). */
  public static Augmenter.Transform brightnessContrast(double brightness, double contrast) {
    return (s, rnd) -> {
      double alpha = 1 + (rnd.nextDouble() * 2 - 1) * contrast;
      double beta = (rnd.nextDouble() * 2 - 1) * brightness * 255;
      byte[] px = s.image().data().clone();
      for (int i = 0; i < px.length; i++) {
        px[i] = clip((px[i] & 0xFF) * alpha + beta);
      }
      return withImage(s, px);
    };
  }

  /**
   * Hue (± degrees), saturation and value (± fraction) shifts in HSV; RGB images only, a grey
   * image is returned unchanged.
   */
  public static Augmenter.Transform hueSaturationValue(double hueDegrees, double saturation,
      double value) {
    return (s, rnd) -> {
      if (s.image().channels() != 3) {
        return s;
      }
      double dh = (rnd.nextDouble() * 2 - 1) * hueDegrees / 360.0;
      double ds = (rnd.nextDouble() * 2 - 1) * saturation;
      double dv = (rnd.nextDouble() * 2 - 1) * value;
      byte[] px = s.image().data().clone();
      float[] hsv = new float[3];
      for (int i = 0; i < px.length; i += 3) {
        java.awt.Color.RGBtoHSB(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF, hsv);
        float hue = (float) ((hsv[0] + dh + 1) % 1);
        float sat = (float) Math.max(0, Math.min(1, hsv[1] + ds));
        float val = (float) Math.max(0, Math.min(1, hsv[2] + dv));
        int rgb = java.awt.Color.HSBtoRGB(hue, sat, val);
        px[i] = (byte) (rgb >> 16);
        px[i + 1] = (byte) (rgb >> 8);
        px[i + 2] = (byte) rgb;
      }
      return withImage(s, px);
    };
  }

  /** Additive Gaussian noise with variance drawn from [minVar, maxVar]. */
  public static Augmenter.Transform gaussianNoise(double minVar, double maxVar) {
    return (s, rnd) -> {
      double sd = Math.sqrt(minVar + rnd.nextDouble() * (maxVar - minVar));
      byte[] px = s.image().data().clone();
      for (int i = 0; i < px.length; i++) {
        px[i] = clip((px[i] & 0xFF) + rnd.nextGaussian() * sd);
      }
      return withImage(s, px);
    };
  }

  /** Up to {@code holes} black rectangles, each up to {@code size} of the image's sides. */
  public static Augmenter.Transform coarseDropout(int holes, double size) {
    return (s, rnd) -> {
      Image8 img = s.image();
      byte[] px = img.data().clone();
      int n = 1 + rnd.nextInt(holes);
      for (int k = 0; k < n; k++) {
        int hh = 1 + rnd.nextInt(Math.max(1, (int) (img.height() * size)));
        int ww = 1 + rnd.nextInt(Math.max(1, (int) (img.width() * size)));
        int y0 = rnd.nextInt(Math.max(1, img.height() - hh + 1));
        int x0 = rnd.nextInt(Math.max(1, img.width() - ww + 1));
        for (int r = y0; r < y0 + hh; r++) {
          java.util.Arrays.fill(px, (r * img.width() + x0) * img.channels(),
              (r * img.width() + x0 + ww) * img.channels(), (byte) 0);
        }
      }
      return withImage(s, px);
    };
  }

  private static TrainingSample withImage(TrainingSample s, byte[] px) {
    Image8 img = s.image();
    return new TrainingSample(s.id(), new Image8(img.height(), img.width(), img.channels(), px),
        s.masks());
  }

  private static byte clip(double v) {
    return (byte) Math.max(0, Math.min(255, Math.round(v)));
  }

  static Image8 remap(Image8 img, Mapping map, boolean bilinear) {
    int h = img.height();
    int w = img.width();
    int ch = img.channels();
    byte[] src = img.data();
    byte[] out = new byte[src.length];
    double[] yx = new double[2];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        map.source(r, c, yx);
        int o = (r * w + c) * ch;
        if (!bilinear) {
          int sy = (int) Math.round(yx[0]);
          int sx = (int) Math.round(yx[1]);
          if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
            System.arraycopy(src, (sy * w + sx) * ch, out, o, ch);
          }
          continue;
        }
        int y0 = (int) Math.floor(yx[0]);
        int x0 = (int) Math.floor(yx[1]);
        double fy = yx[0] - y0;
        double fx = yx[1] - x0;
        for (int k = 0; k < ch; k++) {
          double v = (1 - fy) * ((1 - fx) * at(src, h, w, ch, y0, x0, k)
              + fx * at(src, h, w, ch, y0, x0 + 1, k))
              + fy * ((1 - fx) * at(src, h, w, ch, y0 + 1, x0, k)
              + fx * at(src, h, w, ch, y0 + 1, x0 + 1, k));
          out[o + k] = clip(v);
        }
      }
    }
    return new Image8(h, w, ch, out);
  }

  private static int at(byte[] src, int h, int w, int ch, int y, int x, int k) {
    return y < 0 || y >= h || x < 0 || x >= w ? 0 : src[(y * w + x) * ch + k] & 0xFF;
  }

  static BinaryMask remap(BinaryMask m, Mapping map) {
    BinaryMask out = new BinaryMask(m.height(), m.width());
    double[] yx = new double[2];
    for (int r = 0; r < m.height(); r++) {
      for (int c = 0; c < m.width(); c++) {
        map.source(r, c, yx);
        int sy = (int) Math.round(yx[0]);
        int sx = (int) Math.round(yx[1]);
        if (sy >= 0 && sy < m.height() && sx >= 0 && sx < m.width() && m.get(sy, sx)) {
          out.set(r, c, true);
        }
      }
    }
    return out;
  }

  /** Uniform noise in [-1, 1], Gaussian-blurred (separable), scaled by alpha. */
  private static float[] smoothNoise(Random rnd, int h, int w, double sigma, double alpha) {
    float[] f = new float[h * w];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    int radius = Math.max(1, (int) Math.ceil(3 * sigma));
    float[] kernel = new float[2 * radius + 1];
    float sum = 0;
    for (int i = -radius; i <= radius; i++) {
      kernel[i + radius] = (float) Math.exp(-i * i / (2 * sigma * sigma));
      sum += kernel[i + radius];
    }
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] /= sum;
    }
    float[] tmp = new float[f.length];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        float v = 0;
        for (int k = -radius; k <= radius; k++) {
          int cc = Math.min(w - 1, Math.max(0, c + k));
          v += f[r * w + cc] * kernel[k + radius];
        }
        tmp[r * w + c] = v;
      }
    }
    float[] out = new float[f.length];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        float v = 0;
        for (int k = -radius; k <= radius; k++) {
          int rr = Math.min(h - 1, Math.max(0, r + k));
          v += tmp[rr * w + c] * kernel[k + radius];
        }
        out[r * w + c] = (float) (v * alpha);
      }
    }
    return out;
  }
}
