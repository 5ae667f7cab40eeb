package io.sparkseg.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.geometry.SquareCrop;
import io.sparkseg.core.mask.BinaryMask;
import org.junit.jupiter.api.Test;

class RoiTest {

  /** A standing person: head disc over a torso ellipse over legs, head top at {@code top}. */
  static BinaryMask person(int h, int w, int cx, int top, int height) {
    BinaryMask m = new BinaryMask(h, w);
    double r = height * 0.07;
    paintEllipse(m, cx, top + r, r, r);
    paintEllipse(m, cx, top + height * 0.38, height * 0.12, height * 0.24);
    paintEllipse(m, cx, top + height * 0.78, height * 0.08, height * 0.22);
    return m;
  }

  static void paintEllipse(BinaryMask m, double cx, double cy, double rx, double ry) {
    for (int y = 0; y < m.height(); y++) {
      for (int x = 0; x < m.width(); x++) {
        double dx = (x + 0.5 - cx) / rx;
        double dy = (y + 0.5 - cy) / ry;
        if (dx * dx + dy * dy <= 1) {
          m.set(y, x, true);
        }
      }
    }
  }

  private static Detection withMask(BinaryMask m) {
    return new Detection(0, 0, m.width(), m.height(), 0.9f, 0, m);
  }

  @Test
  void squareCoversHeadAndTorsoOfACentredPerson() {
    BinaryMask m = person(1000, 800, 400, 100, 800);
    Roi roi = Roi.defaults();
    Roi.Torso t = roi.torso(withMask(m));
    assertEquals(100, t.headTop(), 1.0);
    assertEquals(400, t.centerX(), 1.0);
    SquareCrop c = roi.crop(withMask(m), 1000, 800);
    assertEquals(512, c.size());
    assertFalse(c.padded());
    // from 5% of the height above the head to 60% down: 100 - 40 .. 100 + 480
    assertTrue(c.y0() <= 60 + 2 && c.y0() + c.side() >= 580 - 2, c.toString());
    assertEquals(400, c.x0() + c.side() / 2.0, 1.0, "centred on the torso");
    BinaryMask onCrop = c.maskToCrop(m);
    assertTrue(onCrop.get((int) c.toCropY(400), 256), "torso centre inside the crop");
  }

  @Test
  void aPersonAtTheEdgeGetsASquareShiftedInsideThePhoto() {
    BinaryMask m = person(1000, 800, 60, 10, 900);
    SquareCrop c = Roi.defaults().crop(withMask(m), 1000, 800);
    assertFalse(c.padded(), "fits: shifted, not padded: " + c);
    assertEquals(0, c.x0());
    assertEquals(0, c.y0());
    assertTrue(c.side() >= 0.6 * 900, c.toString());
  }

  @Test
  void aPersonLargerThanThePhotoIsPaddedNotCut() {
    BinaryMask m = person(300, 200, 100, 0, 300);
    Roi wide = new Roi(0.05, 0.15, 0.6, 6.0, 0.5, 64); // width multiplier forces a big square
    SquareCrop c = wide.crop(withMask(m), 300, 200);
    assertTrue(c.side() <= 300, "clamped to the photo's longer side: " + c);
    assertTrue(c.padded());
    assertEquals(-50, c.x0(), "centred: 50 columns of padding each side");
  }

  @Test
  void boxesWithoutMasksUseTheBox() {
    Detection box = new Detection(300, 100, 500, 700, 1.2f, 0, null);
    Roi.Torso t = Roi.defaults().torso(box);
    assertEquals(100, t.headTop(), 1e-9);
    assertEquals(600, t.personHeight(), 1e-9);
    assertEquals(400, t.centerX(), 1e-9);
    assertEquals(100, t.width(), 1e-9);
    SquareCrop c = Roi.defaults().crop(box, 1000, 1000);
    assertEquals(Math.round(0.65 * 600), c.side());
  }

  @Test
  void fallbacks() {
    SquareCrop centre = Roi.defaults().fallback(Roi.Fallback.CENTER, 600, 1000);
    assertEquals(600, centre.side());
    assertEquals(200, centre.x0());
    assertFalse(centre.padded());
    SquareCrop whole = Roi.defaults().fallback(Roi.Fallback.LETTERBOX, 600, 1000);
    assertEquals(1000, whole.side());
    assertEquals(-200, whole.y0());
    assertThrows(IllegalArgumentException.class,
        () -> Roi.defaults().fallback(Roi.Fallback.QUARANTINE, 600, 1000));
    assertEquals(Roi.Fallback.LETTERBOX, Roi.Fallback.of("letterbox"));
    assertThrows(IllegalArgumentException.class, () -> Roi.Fallback.of("middle"));
  }
}
