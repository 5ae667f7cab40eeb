package io.sparkseg.core.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import org.junit.jupiter.api.Test;

class LetterboxTest {

  @Test
  void geometryFollowsUltralytics() {
    Letterbox lb = Letterbox.of(480, 640, 640);
    assertEquals(1.0, lb.ratio());
    assertEquals(640, lb.newWidth());
    assertEquals(480, lb.newHeight());
    assertEquals(0, lb.padX());
    assertEquals(80, lb.padY());

    Letterbox odd = Letterbox.of(342, 548, 640); // messi5.jpg
    assertEquals(640 / 548.0, odd.ratio(), 1e-12);
    assertEquals(640, odd.newWidth());
    assertEquals(399, odd.newHeight()); // round(342 * 1.1679) = 399
    assertEquals(120, odd.padY(), "241 rows of padding: round(120.5 - 0.1) above");
  }

  @Test
  void pointsRoundTrip() {
    for (int[] s : new int[][] {{480, 640}, {1000, 500}, {342, 548}, {3000, 4000}, {17, 5}}) {
      Letterbox lb = Letterbox.of(s[0], s[1], 640);
      for (double v : new double[] {0, 0.5, 3.25, s[1] - 1.0, s[1]}) {
        assertEquals(v, lb.toSourceX(lb.toCanvasX(v)), 1e-9);
        assertEquals(v, lb.toSourceY(lb.toCanvasY(v)), 1e-9);
      }
    }
  }

  @Test
  void canvasHasTheImageCentredOnGrey114() {
    Image8 white = new Image8(100, 200, 1, filled(100 * 200, (byte) 255));
    Image8 canvas = Letterbox.of(100, 200, 64).apply(white);
    assertEquals(64, canvas.height());
    assertEquals(3, canvas.channels());
    // r = 0.32: 64 x 32 image rows 16..47
    assertEquals(114, canvas.get(15, 10, 0));
    assertEquals(255, canvas.get(16, 10, 1));
    assertEquals(255, canvas.get(47, 63, 2));
    assertEquals(114, canvas.get(48, 10, 0));
  }

  @Test
  void masksRoundTripExactlyWhenTheScaleIsWhole() {
    // 320 x 160 -> 640: r = 2 exactly, so a mask survives source -> canvas -> source unchanged
    BinaryMask src = blob(320, 160, 7);
    Letterbox lb = Letterbox.of(320, 160, 640);
    assertEquals(2.0, lb.ratio());
    assertEquals(src, lb.maskToSource(lb.maskToCanvas(src)));
  }

  @Test
  void masksRoundTripClosely() {
    BinaryMask src = blob(342, 548, 3);
    Letterbox lb = Letterbox.of(342, 548, 640);
    BinaryMask back = lb.maskToSource(lb.maskToCanvas(src));
    assertTrue(iou(src, back) > 0.99, "IoU " + iou(src, back));
    assertEquals(src.count(), back.count(), src.count() * 0.01);
  }

  static BinaryMask blob(int h, int w, int seed) {
    java.util.Random rnd = new java.util.Random(seed);
    BinaryMask m = new BinaryMask(h, w);
    for (int k = 0; k < 4; k++) {
      double cy = rnd.nextDouble() * h;
      double cx = rnd.nextDouble() * w;
      double ry = 10 + rnd.nextDouble() * h / 4;
      double rx = 10 + rnd.nextDouble() * w / 4;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double dy = (y - cy) / ry;
          double dx = (x - cx) / rx;
          if (dy * dy + dx * dx <= 1) {
            m.set(y, x, true);
          }
        }
      }
    }
    return m;
  }

  static double iou(BinaryMask a, BinaryMask b) {
    int inter = 0;
    int union = 0;
    for (int y = 0; y < a.height(); y++) {
      for (int x = 0; x < a.width(); x++) {
        boolean p = a.get(y, x);
        boolean q = b.get(y, x);
        inter += p && q ? 1 : 0;
        union += p || q ? 1 : 0;
      }
    }
    return union == 0 ? 1 : (double) inter / union;
  }

  private static byte[] filled(int n, byte v) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, v);
    return b;
  }
}
