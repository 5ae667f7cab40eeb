package io.sparkseg.core.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import org.junit.jupiter.api.Test;

class OverlayTest {
  @Test
  void fillsPredictionsAndOutlinesTruthInTheClassColour() throws Exception {
    int h = 20;
    int w = 30;
    byte[] grey = new byte[h * w];
    java.util.Arrays.fill(grey, (byte) 100);
    Image8 img = new Image8(h, w, 1, grey);
    BinaryMask pred = new BinaryMask(h, w);
    BinaryMask truth = new BinaryMask(h, w);
    for (int r = 5; r < 10; r++) {
      for (int x = 5; x < 10; x++) {
        pred.set(r, x, true);
        truth.set(r + 5, x + 10, true);
      }
    }
    Image8 out = Overlay.render(img, new BinaryMask[] {null, null, pred, null},
        new BinaryMask[] {null, null, truth, null});
    assertEquals(3, out.channels());
    int[] blue = Overlay.colour(2);
    // untouched pixel stays grey
    assertEquals(100, out.get(0, 0, 0));
    assertEquals(100, out.get(0, 0, 2));
    // predicted: 55% grey + 45% class colour
    for (int k = 0; k < 3; k++) {
      assertEquals(Math.round(0.55f * 100 + 0.45f * blue[k]), out.get(7, 7, k));
    }
    // truth outline in the colour, its interior untouched
    assertEquals(blue[2], out.get(10, 15, 2));
    assertEquals(blue[0], out.get(10, 15, 0));
    assertEquals(100, out.get(12, 17, 0));
    // it encodes and decodes as PNG losslessly
    assertEquals(out, ImageCodec.decode(ImageCodec.encodePng(out)));
    assertThrows(IllegalArgumentException.class, () -> Overlay.render(img,
        new BinaryMask[] {new BinaryMask(h, w + 1)}, null));
  }

  @Test
  void forPeopleEnlargesSmallStripsAndAddsALegend() {
    byte[] grey = new byte[64 * 400];
    java.util.Arrays.fill(grey, (byte) 100);
    Image8 img = new Image8(64, 400, 1, grey);
    BinaryMask pred = new BinaryMask(64, 400);
    for (int r = 10; r < 20; r++) {
      for (int x = 100; x < 140; x++) {
        pred.set(r, x, true);
      }
    }
    Image8 out = Overlay.forPeople(img, new BinaryMask[] {null, pred, null, null},
        new BinaryMask[4], java.util.List.of("pits", "lines", "patches", "bands"));
    assertEquals(1200, out.width(), "400 px wide x3: at least 480 wide and 160 high");
    int[] green = Overlay.colour(1);
    Image8 plain = Overlay.render(img, new BinaryMask[] {null, pred, null, null}, null);
    for (int[] rx : new int[][] {{0, 0}, {15, 120}, {12, 101}}) {
      for (int k = 0; k < 3; k++) {
        assertEquals(plain.get(rx[0], rx[1], k), out.get(rx[0] * 3 + 1, rx[1] * 3 + 2, k),
            "pixel " + rx[0] + "," + rx[1] + " enlarged 3x");
      }
    }
    assertTrue(out.height() > 192 && out.height() <= 192 + 30, "one legend row: " + out.height());
    // the swatch of the one class present, in its colour, then its label in dark text
    for (int k = 0; k < 3; k++) {
      assertEquals(green[k], out.get(192 + 3 + 6, 4 + 6, k));
    }
    int dark = 0;
    for (int y = 192; y < out.height(); y++) {
      for (int x = 22; x < 150; x++) {
        dark += out.get(y, x, 0) < 100 ? 1 : 0;
      }
    }
    assertTrue(dark > 20, "the label 'lines 0.0% (truth 0.0%)' is drawn: " + dark);
    // a big image keeps its size
    Image8 big = new Image8(256, 1600, 1, new byte[256 * 1600]);
    assertEquals(1600, Overlay.forPeople(big, new BinaryMask[4], null,
        java.util.List.of("a", "b", "c", "d")).width());
  }
}
