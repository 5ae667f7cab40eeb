package io.sparkseg.core.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.scene.ClassMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** data.resize: each mode's geometry, and class maps back at the source size exactly. */
class FitTest {
  private static ClassMap random(Random r, int h, int w) {
    byte[] c = new byte[h * w];
    for (int i = 0; i < c.length; i++) {
      c[i] = (byte) r.nextInt(5);
    }
    return new ClassMap(h, w, c);
  }

  @Test
  void enlargingRoundTripsExactlyInEveryMode() {
    Random r = new Random(11);
    for (int t = 0; t < 60; t++) {
      int sh = 3 + r.nextInt(30);
      int sw = 3 + r.nextInt(30);
      int h = sh + r.nextInt(40);
      int w = sw + r.nextInt(40);
      ClassMap m = random(r, sh, sw);
      for (Fit.Mode mode : new Fit.Mode[] {Fit.Mode.STRETCH, Fit.Mode.LETTERBOX}) {
        Fit f = Fit.of(mode, sh, sw, h, w);
        assertEquals(m, f.toSource(f.apply(m)), mode + " " + sh + "x" + sw + " -> " + h + "x" + w);
      }
    }
  }

  @Test
  void letterboxPadsWithIgnoreAndCropLosesOnlyWhatItCut() {
    ClassMap m = random(new Random(2), 6, 12);
    Fit box = Fit.of(Fit.Mode.LETTERBOX, 6, 12, 12, 12);
    ClassMap canvas = box.apply(m);
    assertEquals(3, box.offsetY());
    for (int x = 0; x < 12; x++) {
      assertEquals(ClassMap.IGNORE, canvas.get(0, x));
      assertEquals(ClassMap.IGNORE, canvas.get(11, x));
      assertEquals(m.get(0, x), canvas.get(3, x));
    }
    Image8 img = box.apply(new Image8(6, 12, 1, new byte[72]), 114);
    assertEquals(12, img.height());
    assertEquals(114, img.data()[0] & 0xFF, "padding value");
    assertEquals(0, img.data()[3 * 12] & 0xFF, "image from row 3");

    ClassMap wide = random(new Random(3), 10, 20);
    Fit crop = Fit.of(Fit.Mode.CROP, 10, 20, 10, 10);
    assertEquals(-5, crop.offsetX());
    ClassMap back = crop.toSource(crop.apply(wide));
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        assertEquals(x < 5 || x >= 15 ? ClassMap.IGNORE : wide.get(y, x), back.get(y, x),
            y + "," + x);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Fit.Mode.of("squash"));
    assertThrows(IllegalArgumentException.class, () -> crop.apply(random(new Random(1), 9, 20)));
  }

  @Test
  void filledInverseGivesEveryCroppedPixelItsNearestPrediction() {
    ClassMap wide = random(new Random(4), 10, 20);
    Fit crop = Fit.of(Fit.Mode.CROP, 10, 20, 10, 10);
    ClassMap canvas = crop.apply(wide);
    ClassMap filled = crop.toSourceFilled(canvas);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        int expected = x < 5 ? canvas.get(y, 0) : x >= 15 ? canvas.get(y, 9) : wide.get(y, x);
        assertEquals(expected, filled.get(y, x), y + "," + x);
      }
    }
    Fit box = Fit.of(Fit.Mode.LETTERBOX, 6, 12, 12, 12);
    ClassMap m = random(new Random(6), 6, 12);
    assertEquals(m, box.toSourceFilled(box.apply(m)), "letterbox: nothing was cut");
  }
}
