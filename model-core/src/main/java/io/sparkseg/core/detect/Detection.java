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
    double iw = Math.min(x2, o.x2) - Math.max(x1, o.x1);
    double ih = Math.min(y2, o.y2) - Math.max(y1, o.y1);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    return inter / (area() + o.area() - inter);
  }
}
