package io.sparkseg.core.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Mask folders: palette (Pascal VOC) and grey index PNGs, the ignore value, and bad values. */
class IndexMasksTest {
  /** A 2x3 palette PNG with VOC-like colours: the indices, not the colours, are the classes. */
  private static byte[] palettePng(int... indices) throws Exception {
    byte[] r = new byte[256];
    byte[] g = new byte[256];
    byte[] b = new byte[256];
    r[1] = (byte) 128; // VOC class 1 (128, 0, 0)
    g[2] = (byte) 128; // VOC class 2 (0, 128, 0)
    r[255] = (byte) 224; g[255] = (byte) 224; b[255] = (byte) 192; // VOC's border colour
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(8, 256, r, g, b));
    for (int p = 0; p < 6; p++) {
      img.getRaster().setSample(p % 3, p / 3, 0, indices[p]);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void paletteAndGreyPngsGiveTheirIndicesWithIgnore() throws Exception {
    Image8 idx = ImageCodec.decodeIndices(palettePng(0, 1, 2, 255, 1, 0));
    ClassMap m = IndexMasks.toClassMap(idx, 3, 255, "masks/2007_000032.png");
    assertEquals(0, m.get(0, 0));
    assertEquals(1, m.get(0, 1));
    assertEquals(2, m.get(0, 2));
    assertEquals(ClassMap.IGNORE, m.get(1, 0));
    Image8 grey = new Image8(1, 3, 1, new byte[] {2, 0, 9});
    ClassMap g = IndexMasks.toClassMap(ImageCodec.decodeIndices(ImageCodec.encodePng(grey)), 3,
        9, "masks/a.png");
    assertEquals(2, g.get(0, 0));
    assertEquals(ClassMap.IGNORE, g.get(0, 2), "a configured ignore value");
  }

  @Test
  void valuesBeyondTheClassesAndColourImagesAreRefused() throws Exception {
    Image8 idx = ImageCodec.decodeIndices(palettePng(0, 1, 2, 7, 7, 0));
    Palette.UnknownColourException e = assertThrows(Palette.UnknownColourException.class,
        () -> IndexMasks.toClassMap(idx, 3, 255, "masks/x.png"));
    assertEquals(2, e.pixels());
    assertTrue(e.getMessage().contains("masks/x.png: 2 pixel(s)")
        && e.getMessage().contains("the first 7 at row 1, column 0"), e.getMessage());
    Image8 rgb = new Image8(1, 1, 3, new byte[] {1, 2, 3});
    ImageDecodeException colour = assertThrows(ImageDecodeException.class,
        () -> ImageCodec.decodeIndices(ImageCodec.encodePng(rgb)));
    assertTrue(colour.getMessage().contains("must be a grey or palette PNG"),
        colour.getMessage());
  }
}
