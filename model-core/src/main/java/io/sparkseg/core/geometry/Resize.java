package io.sparkseg.core.geometry;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.OpenCv;
import io.sparkseg.core.mask.BinaryMask;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Resizing images (OpenCV's {@code INTER_LINEAR}, the interpolation ultralytics and most
 * training pipelines use; {@code INTER_AREA} when shrinking by more than 2) and sampling float
 * maps. Masks are resized by nearest neighbour on pixel centres.
 */
public final class Resize {
  private Resize() {}

  /** Bilinear resize with half-pixel centres (OpenCV INTER_LINEAR). */
  public static Image8 bilinear(Image8 src, int height, int width) {
    return resize(src, height, width, Imgproc.INTER_LINEAR);
  }

  /**
   * Resize for photographs: area averaging when shrinking (no aliasing of fine texture such as
   * a patch's print), bilinear when enlarging.
   */
  public static Image8 photo(Image8 src, int height, int width) {
    boolean shrink = height < src.height() || width < src.width();
    return resize(src, height, width, shrink ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
  }

  private static Image8 resize(Image8 src, int height, int width, int interpolation) {
    if (src.height() == height && src.width() == width) {
      return src;
    }
    Mat in = OpenCv.toMat(src);
    Mat out = new Mat();
    try {
      Imgproc.resize(in, out, new Size(width, height), 0, 0, interpolation);
      return OpenCv.toImage(out);
    } finally {
      in.release();
      out.release();
    }
  }

  /** 3-channel version of an image (grey is replicated). */
  public static Image8 toRgb(Image8 src) {
    if (src.channels() == 3) {
      return src;
    }
    byte[] g = src.data();
    byte[] out = new byte[g.length * 3];
    for (int i = 0, j = 0; i < g.length; i++, j += 3) {
      out[j] = g[i];
      out[j + 1] = g[i];
      out[j + 2] = g[i];
    }
    return new Image8(src.height(), src.width(), 3, out);
  }

  /** Nearest-neighbour mask resize: each output pixel centre takes the source pixel under it. */
  public static BinaryMask nearest(BinaryMask src, int height, int width) {
    BinaryMask out = new BinaryMask(height, width);
    double sy = (double) src.height() / height;
    double sx = (double) src.width() / width;
    for (int y = 0; y < height; y++) {
      int yy = Math.min(src.height() - 1, (int) Math.floor((y + 0.5) * sy));
      for (int x = 0; x < width; x++) {
        int xx = Math.min(src.width() - 1, (int) Math.floor((x + 0.5) * sx));
        if (src.get(yy, xx)) {
          out.set(y, x, true);
        }
      }
    }
    return out;
  }

  /**
   * Bilinear value of a row-major {@code h × w} float map at continuous position (y, x) in
   * pixel-index coordinates (pixel centres at integers), clamped at the borders.
   */
  public static float sampleBilinear(float[] map, int h, int w, double y, double x) {
    y = Math.max(0, Math.min(h - 1, y));
    x = Math.max(0, Math.min(w - 1, x));
    int y0 = (int) Math.floor(y);
    int x0 = (int) Math.floor(x);
    int y1 = Math.min(h - 1, y0 + 1);
    int x1 = Math.min(w - 1, x0 + 1);
    double fy = y - y0;
    double fx = x - x0;
    double top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
    double bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
    return (float) (top * (1 - fy) + bottom * fy);
  }
}
