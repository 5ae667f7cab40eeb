package io.sparkseg.core.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Colour-coded labels to class maps and back, with the CARLA palette and bad input. */
class PaletteTest {
  private static Image8 rgb(int h, int w, int... colours) {
    byte[] px = new byte[h * w * 3];
    for (int p = 0; p < h * w; p++) {
      px[3 * p] = (byte) (colours[p] >> 16);
      px[3 * p + 1] = (byte) (colours[p] >> 8);
      px[3 * p + 2] = (byte) colours[p];
    }
    return new Image8(h, w, 3, px);
  }

  @Test
  void carlaHasTwelveClassesAndVoidIsIgnored() {
    Palette p = Palette.carla();
    assertEquals(12, p.classes());
    assertEquals(List.of("traffic_sign", "building", "fence", "other", "pedestrian", "pole",
        "road_line", "road", "sidewalk", "vegetation", "car", "wall"), p.classNames());
    // road (128, 64, 128), car (0, 0, 142), void (0, 0, 0), traffic sign (220, 220, 0)
    Image8 label = rgb(2, 2, 0x804080, 0x00008E, 0x000000, 0xDCDC00);
    ClassMap m = p.decode(label, "Labels/seq1/000.png");
    assertEquals(7, m.get(0, 0));
    assertEquals(10, m.get(0, 1));
    assertEquals(ClassMap.IGNORE, m.get(1, 0));
    assertEquals(0, m.get(1, 1));
    assertEquals(1, m.histogram()[ClassMap.IGNORE]);
    assertEquals(label, p.encode(m), "encode is decode's inverse");
  }

  @Test
  void anUnknownColourNamesTheFileTheColourAndWhere() {
    Image8 label = rgb(2, 3, 0x804080, 0x804080, 0x804080, 0x804080, 0x010203, 0x010203);
    Palette.UnknownColourException e = assertThrows(Palette.UnknownColourException.class,
        () -> Palette.carla().decode(label, "Labels/seq1/007.png"));
    assertEquals(2, e.pixels());
    assertTrue(e.getMessage().startsWith("Labels/seq1/007.png: 2 pixel(s)")
        && e.getMessage().contains("#010203 (1, 2, 3) at row 1, column 1"), e.getMessage());
    var grey = assertThrows(IllegalArgumentException.class,
        () -> Palette.carla().decode(new Image8(1, 1, 1, new byte[1]), "g.png"));
    assertTrue(grey.getMessage().contains("must be RGB"), grey.getMessage());
  }

  @Test
  void aPaletteFromConfigurationIsChecked() {
    var dup = assertThrows(IllegalArgumentException.class, () -> new Palette(
        List.of("a", "b"), new int[] {0x010101, 0x010101}, Set.of()));
    assertTrue(dup.getMessage().contains("given to 'a' and 'b'"), dup.getMessage());
    var missing = assertThrows(IllegalArgumentException.class, () -> new Palette(
        List.of("a"), new int[] {1}, Set.of("void")));
    assertTrue(missing.getMessage().contains("'void' is not in the palette"), missing.getMessage());
    var outOfRange = assertThrows(IllegalArgumentException.class, () -> Palette.carla().encode(
        new ClassMap(1, 1, new byte[] {12})));
    assertTrue(outOfRange.getMessage().contains("not one of the palette's 12 classes"),
        outOfRange.getMessage());
  }
}
