package io.sparkseg.core.labelstudio;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;

/**
 * Polygon rasterisation: a pixel is on when its centre lies inside the polygon (even-odd rule),
 * scanline by scanline. Label Studio gives points in percent of the original width and height.
 */
public final class Polygons {
  private Polygons() {}

  /** Points {@code [[x%, y%], ...]} of a {@code width × height} image into a mask. */
  public static BinaryMask fromPercent(double[][] points, int height, int width) {
    double[] xs = new double[points.length];
    double[] ys = new double[points.length];
    for (int i = 0; i < points.length; i++) {
      xs[i] = points[i][0] / 100.0 * width;
      ys[i] = points[i][1] / 100.0 * height;
    }
    return fill(xs, ys, height, width);
  }

  /** Polygon with vertices (xs[i], ys[i]) in pixel coordinates (pixel edges at integers). */
  public static BinaryMask fill(double[] xs, double[] ys, int height, int width) {
    int n = xs.length;
    if (n < 3) {
      throw new LabelStudioException(QuarantineReason.POLYGON_TOO_FEW_POINTS,
          "polygon has " + n + " points; at least 3 are needed");
    }
    BinaryMask mask = new BinaryMask(height, width);
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (double y : ys) {
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    int rowFrom = Math.max(0, (int) Math.floor(minY - 0.5));
    int rowTo = Math.min(height - 1, (int) Math.ceil(maxY - 0.5));
    double[] crossings = new double[n];
    for (int row = rowFrom; row <= rowTo; row++) {
      double cy = row + 0.5;
      int k = 0;
      for (int i = 0, j = n - 1; i < n; j = i++) {
        double yi = ys[i];
        double yj = ys[j];
        if ((yi > cy) != (yj > cy)) {
          crossings[k++] = xs[i] + (cy - yi) / (yj - yi) * (xs[j] - xs[i]);
        }
      }
      java.util.Arrays.sort(crossings, 0, k);
      for (int c = 0; c + 1 < k; c += 2) {
        // pixels whose centre x + 0.5 lies in [left, right)
        int from = Math.max(0, (int) Math.ceil(crossings[c] - 0.5));
        int to = Math.min(width - 1, (int) Math.ceil(crossings[c + 1] - 0.5) - 1);
        for (int col = from; col <= to; col++) {
          mask.set(row, col, true);
        }
      }
    }
    return mask;
  }
}
