package io.sparkseg.core.detect;

import io.sparkseg.core.geometry.Resize;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.OpenCv;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.HOGDescriptor;

/**
 * OpenCV's HOG + linear SVM people detector (Dalal-Triggs, the default people SVM shipped in
 * OpenCV): boxes only, needs no weights file, so it is the offline default. Photos whose longer
 * side exceeds {@code maxSide} are shrunk first (HOG's window is 64×128; the pyramid over a
 * 4000-pixel photo is slow and finds nothing more) and boxes are mapped back. The score is the
 * SVM's weight of the grouped detection (not a probability).
 *
 * @param winStride window step in pixels (8)
 * @param padding padding around the image in pixels (32)
 * @param scale pyramid step (1.05)
 * @param groupThreshold minimum overlapping raw hits for a detection (2)
 * @param maxSide longer side the photo is shrunk to before detection (640)
 * @param minScore detections whose SVM weight is below this are dropped (1.0: HOG's weak hits
 *     on portraits and crowds are mostly not people)
 */
public record HogPeople(int winStride, int padding, double scale, int groupThreshold,
    int maxSide, double minScore) implements DetectorModel, java.io.Serializable {

  public HogPeople {
    if (winStride <= 0 || padding < 0 || !(scale > 1) || groupThreshold < 0 || maxSide < 128) {
      throw new IllegalArgumentException("HOG settings out of range: winStride " + winStride
          + ", padding " + padding + ", scale " + scale + ", groupThreshold " + groupThreshold
          + ", maxSide " + maxSide);
    }
  }

  /** OpenCV's sample settings: stride 8, padding 32, scale 1.05, group threshold 2; 640; 1.0. */
  public static HogPeople defaults() {
    return new HogPeople(8, 32, 1.05, 2, 640, 1.0);
  }

  @Override
  public String name() {
    return "hog";
  }

  @Override
  public PersonDetector newDetector() {
    OpenCv.ensureLoaded();
    HOGDescriptor hog = new HOGDescriptor();
    hog.setSVMDetector(HOGDescriptor.getDefaultPeopleDetector());
    return new PersonDetector() {
      @Override
      public List<Detection> detect(Image8 image) {
        return HogPeople.this.detect(hog, image);
      }

      @Override
      public void close() {
        // HOGDescriptor frees its native object when collected; nothing else is held
      }
    };
  }

  private List<Detection> detect(HOGDescriptor hog, Image8 image) {
    double f = Math.min(1.0, (double) maxSide / Math.max(image.height(), image.width()));
    Image8 small = f < 1.0
        ? Resize.photo(image, Math.max(1, (int) Math.round(image.height() * f)),
            Math.max(1, (int) Math.round(image.width() * f)))
        : image;
    Mat mat = OpenCv.toMat(Resize.toRgb(small));
    Mat bgr = new Mat();
    MatOfRect found = new MatOfRect();
    MatOfDouble weights = new MatOfDouble();
    try {
      Imgproc.cvtColor(mat, bgr, Imgproc.COLOR_RGB2BGR);
      hog.detectMultiScale(bgr, found, weights, 0, new Size(winStride, winStride),
          new Size(padding, padding), scale, groupThreshold, false);
      Rect[] rects = found.empty() ? new Rect[0] : found.toArray();
      double[] w = rects.length > 0 && weights.total() == rects.length ? weights.toArray()
          : new double[rects.length];
      double sy = (double) image.height() / small.height();
      double sx = (double) image.width() / small.width();
      List<Detection> out = new ArrayList<>();
      for (int i = 0; i < rects.length; i++) {
        Rect r = rects[i];
        double x1 = clip(r.x * sx, image.width());
        double y1 = clip(r.y * sy, image.height());
        double x2 = clip((r.x + r.width) * sx, image.width());
        double y2 = clip((r.y + r.height) * sy, image.height());
        if (x2 > x1 && y2 > y1 && w[i] >= minScore) {
          out.add(new Detection(x1, y1, x2, y2, (float) w[i], 0, null));
        }
      }
      out.sort((a, b) -> Float.compare(b.score(), a.score()));
      return out;
    } finally {
      mat.release();
      bgr.release();
      found.release();
      weights.release();
    }
  }

  private static double clip(double v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  @Override
  public void close() {}
}
