package io.sparkseg.core.detect;

import io.sparkseg.core.mask.BinaryMask;

/**
 * One detected object in source-image pixels: box corners {@code (x1, y1)} to {@code (x2, y2)}
 * (x2, y2 exclusive, clipped to the image), the confidence, the model's class id, and the
 * instance mask at source size when the detector segments (null for box-only detectors).
 */
public record Detection(double x1, double y1, double x2, double y2, float score, int classId,
    BinaryMask mask) {

  public double width() {
    return x2 - x1;
  }

  public double height() {
    return y2 - y1;
  }

  public double area() {
    return Math.max(0, width()) * Math.max(0, height());
  }

  /** Intersection over union of the two boxes. */
  public double iou(Detection o) {
    return iou(x1, y1, x2, y2, o.x1, o.y1, o.x2, o.y2);
  }

  /** Intersection over union of boxes a and b given by their corners. */
  public static double iou(double ax1, double ay1, double ax2, double ay2, double bx1,
      double by1, double bx2, double by2) {
    double iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
    double ih = Math.min(ay2, by2) - Math.max(ay1, by1);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double a = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1);
    double b = Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1);
    return inter / (a + b - inter);
  }
}
