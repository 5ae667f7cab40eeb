package io.sparkseg.core.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.scene.ClassMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Class maps drawn for people: tinted classes, truth outlines, and a legend of the classes. */
class ClassMapOverlayTest {
  @Test
  void tintsEachClassInItsColourAndAddsALegendOfThePresentClasses() {
    int h = 40;
    int w = 480;
    Image8 grey = new Image8(h, w, 1, new byte[h * w]); // black
    byte[] px = new byte[h * w];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i % w < w / 2 ? 0 : 2); // left class 0, right class 2, class 1 absent
    }
    ClassMap map = new ClassMap(h, w, px);
    int[] colours = {0xFF0000, 0x00FF00, 0x0000FF};
    Image8 out = ClassMapOverlay.render(grey, map, null, colours, List.of("road", "car", "sky"));
    assertEquals(3, out.channels());
    assertTrue(out.height() > h, "a legend strip below the image");
    assertEquals(w, out.width());
    // black tinted half-way towards the class colour
    assertEquals(128, out.get(0, 0, 0), 1);
    assertEquals(0, out.get(0, 0, 2));
    assertEquals(128, out.get(0, w - 1, 2), 1);
    // the legend holds swatches of the present classes only: red and blue, no green
    boolean red = false;
    boolean green = false;
    boolean blue = false;
    for (int y = h; y < out.height(); y++) {
      for (int x = 0; x < w; x++) {
        int r = out.get(y, x, 0);
        int g = out.get(y, x, 1);
        int b = out.get(y, x, 2);
        red |= r == 255 && g == 0 && b == 0;
        green |= r == 0 && g == 255 && b == 0;
        blue |= r == 0 && g == 0 && b == 255;
      }
    }
    assertTrue(red && blue && !green, "swatches red " + red + " blue " + blue + " green "
        + green);
    // truth boundaries are outlined in white
    ClassMap truth = new ClassMap(h, w, new byte[h * w]);
    truth.classes()[5 * w + 10] = 1;
    Image8 outlined = ClassMapOverlay.render(grey, map, truth, colours,
        List.of("road", "car", "sky"));
    assertEquals(255, outlined.get(5, 10, 0));
    assertEquals(255, outlined.get(5, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> ClassMapOverlay.render(grey,
        new ClassMap(2, 2, new byte[4]), null, colours, List.of("a", "b", "c")));
    // a small frame is enlarged by a whole factor, pixels kept whole
    Image8 small = ClassMapOverlay.render(new Image8(4, 100, 1, new byte[400]),
        new ClassMap(4, 100, new byte[400]), null, colours, List.of("road", "car", "sky"));
    assertEquals(500, small.width());
    assertEquals(128, small.get(19, 499, 0), 1);
  }
}
