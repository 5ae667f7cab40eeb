package io.sparkseg.core.labelstudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.awt.geom.Path2D;
import org.junit.jupiter.api.Test;

class PolygonsTest {

  /** The expected mask, independently: java.awt's even-odd contains() at every pixel centre. */
  private static BinaryMask expected(double[] xs, double[] ys, int h, int w) {
    Path2D.Double p = new Path2D.Double(Path2D.WIND_EVEN_ODD);
    p.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      p.lineTo(xs[i], ys[i]);
    }
    p.closePath();
    BinaryMask m = new BinaryMask(h, w);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (p.contains(x + 0.5, y + 0.5)) {
          m.set(y, x, true);
        }
      }
    }
    return m;
  }

  @Test
  void rasterisesLikeAPointInPolygonTest() {
    double[][] xsys = {
        {3.2, 40.7, 22.1}, {5.5, 9.1, 37.3}, // triangle
        {5, 45, 45, 25, 5}, {5, 5, 35, 15, 35}, // concave (a notch)
        {-10, 70, 30}, {-5, 10, 60}, // leaves the image
    };
    for (int k = 0; k < xsys.length; k += 2) {
      BinaryMask got = Polygons.fill(xsys[k], xsys[k + 1], 40, 50);
      assertEquals(expected(xsys[k], xsys[k + 1], 40, 50), got, "polygon " + k / 2);
      assertTrue(got.count() > 50);
    }
  }

  @Test
  void percentPointsScaleToTheImage() {
    BinaryMask m = Polygons.fromPercent(new double[][] {{10, 20}, {60, 20}, {60, 80}, {10, 80}},
        50, 200);
    // x 20..120, y 10..40: 100 x 30 pixels
    assertEquals(100 * 30, m.count());
    assertTrue(m.get(10, 20) && m.get(39, 119));
  }

  @Test
  void fewerThanThreePointsIsRejected() {
    LabelStudioException e = assertThrows(LabelStudioException.class,
        () -> Polygons.fromPercent(new double[][] {{1, 1}, {5, 5}}, 10, 10));
    assertEquals(QuarantineReason.POLYGON_TOO_FEW_POINTS, e.reason());
  }
}
