package io.sparkseg.core.detect;

/**
 * A loaded detector, shareable between threads (a DJL model, or nothing for HOG): load it once
 * per JVM and make a {@link PersonDetector} per thread with {@link #newDetector()}.
 */
public interface DetectorModel extends AutoCloseable {

  /** What the crops record as their detector, e.g. {@code yolo-seg:yolo11n-seg.onnx}. */
  String name();

  PersonDetector newDetector();

  @Override
  void close();
}
