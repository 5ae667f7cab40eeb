package io.sparkseg.core.image;

import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Loads OpenCV's native library (from the {@code org.openpnp:opencv} jar, extracted once per
 * JVM) and converts between {@link Image8} and {@link Mat}. Everything in sparkseg that calls
 * OpenCV goes through {@link #ensureLoaded()} first.
 */
public final class OpenCv {
  private static volatile boolean loaded;

  private OpenCv() {}

  /** Loads the native library once per JVM (thread-safe, idempotent). */
  public static void ensureLoaded() {
    if (!loaded) {
      synchronized (OpenCv.class) {
        if (!loaded) {
          nu.pattern.OpenCV.loadLocally();
          loaded = true;
        }
      }
    }
  }

  /** A Mat holding a copy of the image: CV_8UC1 or CV_8UC3 in the image's own RGB order. */
  public static Mat toMat(Image8 image) {
    ensureLoaded();
    Mat m = new Mat(image.height(), image.width(),
        image.channels() == 1 ? CvType.CV_8UC1 : CvType.CV_8UC3);
    m.put(0, 0, image.data());
    return m;
  }

  /** The Mat's pixels (CV_8UC1 or CV_8UC3) as an image, channel order unchanged. */
  public static Image8 toImage(Mat m) {
    int channels = m.channels();
    byte[] data = new byte[m.rows() * m.cols() * channels];
    m.get(0, 0, data);
    return new Image8(m.rows(), m.cols(), channels, data);
  }
}
