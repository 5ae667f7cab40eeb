package io.sparkseg.core.detect;

import io.sparkseg.core.geometry.Letterbox;
import io.sparkseg.core.mask.BinaryMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The ultralytics YOLO-seg output contract, decoded in plain Java (no engine): {@code output0}
 * {@code [1, 4 + nc + 32, N]} holds per anchor cx, cy, w, h (letterboxed input pixels), nc class
 * scores (no objectness) and 32 mask coefficients; {@code output1} {@code [1, 32, mh, mw]} holds
 * the mask prototypes. Boxes are filtered by their best class score ({@code confidence}) and
 * class, suppressed per class (IoU above {@code iou}), mapped back through the letterbox and
 * clipped; a mask is {@code sigmoid(coefficients · prototypes) > 0.5}, sampled bilinearly at
 * every source pixel and cropped to the box.
 *
 * @param imageSize the square input the model was exported for (640)
 * @param confidence minimum best-class score (ultralytics' default 0.25)
 * @param iou NMS threshold (ultralytics' default 0.7)
 * @param classes class ids kept (COCO person = 0)
 * @param maxDetections at most this many after NMS
 */
public record YoloSeg(int imageSize, float confidence, float iou, int[] classes,
    int maxDetections) implements java.io.Serializable {

  public static final int MASK_COEFFICIENTS = 32;

  public YoloSeg {
    classes = classes.clone();
    if (imageSize <= 0 || imageSize % 32 != 0) {
      throw new IllegalArgumentException("YOLO image size must be a positive multiple of 32, got "
          + imageSize);
    }
    if (!(confidence >= 0 && confidence <= 1) || !(iou > 0 && iou <= 1)) {
      throw new IllegalArgumentException(
          "confidence must be in [0, 1] and iou in (0, 1], got " + confidence + ", " + iou);
    }
  }

  /** Ultralytics' defaults for people: 640, 0.25, 0.7, class 0, 300. */
  public static YoloSeg people() {
    return new YoloSeg(640, 0.25f, 0.7f, new int[] {0}, 300);
  }

  @Override
  public int[] classes() {
    return classes.clone();
  }

  /**
   * Decodes one image's outputs.
   *
   * @param output0 {@code [channels × anchors]}, channel-major (as the tensor is laid out)
   * @param channels 4 + nc + 32
   * @param anchors N
   * @param protos {@code [32 × mh × mw]}
   * @param letterbox how the source image was letterboxed to the input
   * @param withMasks false to skip mask assembly (boxes only)
   */
  public List<Detection> decode(float[] output0, int channels, int anchors, float[] protos,
      int mh, int mw, Letterbox letterbox, boolean withMasks) {
    int nc = channels - 4 - MASK_COEFFICIENTS;
    if (nc <= 0 || output0.length != channels * anchors) {
      throw new IllegalArgumentException("output0 of " + output0.length + " values is not ["
          + channels + ", " + anchors + "] with 4 box values, class scores and "
          + MASK_COEFFICIENTS + " mask coefficients");
    }
    if (protos.length != MASK_COEFFICIENTS * mh * mw) {
      throw new IllegalArgumentException("prototypes of " + protos.length + " values are not ["
          + MASK_COEFFICIENTS + ", " + mh + ", " + mw + "]");
    }
    List<Candidate> candidates = new ArrayList<>();
    for (int a = 0; a < anchors; a++) {
      int best = 0;
      float bestScore = output0[4 * anchors + a];
      for (int c = 1; c < nc; c++) {
        float s = output0[(4 + c) * anchors + a];
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (bestScore <= confidence || !wanted(best)) {
        continue;
      }
      float cx = output0[a];
      float cy = output0[anchors + a];
      float w = output0[2 * anchors + a];
      float h = output0[3 * anchors + a];
      candidates.add(new Candidate(a, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, bestScore,
          best));
    }
    List<Candidate> kept = nms(candidates);
    List<Detection> out = new ArrayList<>(kept.size());
    for (Candidate c : kept) {
      double x1 = clip(letterbox.toSourceX(c.x1), letterbox.srcWidth());
      double y1 = clip(letterbox.toSourceY(c.y1), letterbox.srcHeight());
      double x2 = clip(letterbox.toSourceX(c.x2), letterbox.srcWidth());
      double y2 = clip(letterbox.toSourceY(c.y2), letterbox.srcHeight());
      BinaryMask mask = null;
      if (withMasks) {
        float[] coefficients = new float[MASK_COEFFICIENTS];
        int base = (4 + nc) * anchors + c.anchor;
        for (int k = 0; k < MASK_COEFFICIENTS; k++) {
          coefficients[k] = output0[base + k * anchors];
        }
        mask = mask(coefficients, protos, mh, mw, letterbox, x1, y1, x2, y2);
      }
      out.add(new Detection(x1, y1, x2, y2, c.score, c.classId, mask));
    }
    return out;
  }

  private boolean wanted(int classId) {
    for (int c : classes) {
      if (c == classId) {
        return true;
      }
    }
    return false;
  }

  private static double clip(double v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  private record Candidate(int anchor, float x1, float y1, float x2, float y2, float score,
      int classId) {
    double iou(Candidate o) {
      return Detection.iou(x1, y1, x2, y2, o.x1, o.y1, o.x2, o.y2);
    }
  }

  /** Greedy NMS per class, best score first (ties: lower anchor first), as torchvision's. */
  private List<Candidate> nms(List<Candidate> candidates) {
    candidates.sort(Comparator.comparingDouble((Candidate c) -> -c.score)
        .thenComparingInt(c -> c.anchor));
    List<Candidate> kept = new ArrayList<>();
    for (Candidate c : candidates) {
      boolean suppressed = false;
      for (Candidate k : kept) {
        if (k.classId == c.classId && k.iou(c) > iou) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) {
        kept.add(c);
        if (kept.size() == maxDetections) {
          break;
        }
      }
    }
    return kept;
  }

  /**
   * {@code coefficients · prototypes}, sampled bilinearly at every source pixel inside the box,
   * on where the logit is above 0 (sigmoid above 0.5).
   */
  static BinaryMask mask(float[] coefficients, float[] protos, int mh, int mw,
      Letterbox letterbox, double x1, double y1, double x2, double y2) {
    int area = mh * mw;
    float[] logits = new float[area];
    for (int k = 0; k < coefficients.length; k++) {
      float ck = coefficients[k];
      if (ck == 0) {
        continue;
      }
      int off = k * area;
      for (int p = 0; p < area; p++) {
        logits[p] += ck * protos[off + p];
      }
    }
    int h = letterbox.srcHeight();
    int w = letterbox.srcWidth();
    BinaryMask mask = new BinaryMask(h, w);
    int r0 = (int) Math.ceil(y1);
    int r1 = (int) Math.ceil(y2);
    int c0 = (int) Math.ceil(x1);
    int c1 = (int) Math.ceil(x2);
    double sy = (double) mh / letterbox.size();
    double sx = (double) mw / letterbox.size();
    double[] px = new double[Math.max(0, c1 - c0)];
    for (int x = c0; x < c1; x++) {
      px[x - c0] = letterbox.toCanvasX(x + 0.5) * sx - 0.5;
    }
    for (int y = r0; y < r1; y++) {
      double py = letterbox.toCanvasY(y + 0.5) * sy - 0.5;
      for (int x = c0; x < c1; x++) {
        if (io.sparkseg.core.geometry.Resize.sampleBilinear(logits, mh, mw, py, px[x - c0]) > 0) {
          mask.set(y, x, true);
        }
      }
    }
    return mask;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof YoloSeg y && y.imageSize == imageSize && y.confidence == confidence
        && y.iou == iou && Arrays.equals(y.classes, classes) && y.maxDetections == maxDetections;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new float[] {imageSize, confidence, iou, maxDetections})
        * 31 + Arrays.hashCode(classes);
  }

  @Override
  public String toString() {
    return "YoloSeg[" + imageSize + ", conf " + confidence + ", iou " + iou + ", classes "
        + Arrays.toString(classes) + "]";
  }
}
