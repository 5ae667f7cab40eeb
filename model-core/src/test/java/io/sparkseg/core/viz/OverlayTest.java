package io.sparkseg.core.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
