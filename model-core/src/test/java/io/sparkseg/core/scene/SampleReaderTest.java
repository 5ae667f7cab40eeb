package io.sparkseg.core.scene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.geometry.Fit;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.metrics.ConfusionMatrix;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.rle.Rle;
import org.junit.jupiter.api.Test;

/**
 * Image + label files to training samples: palette and index labels, every reason a pair is
 * refused (naming the file), fitting images of another size with the label's inverse, and the
 * per-class masks the sample tables hold.
 */
class SampleReaderTest {
  private static final Palette CARLA = Palette.carla();
  // road (128, 64, 128) = class 7, car (0, 0, 142) = 10, void (0, 0, 0) = ignored
  private static final int ROAD = 0x804080;
  private static final int CAR = 0x00008E;
  private static final int VOID = 0x000000;

  private static Image8 rgb(int h, int w, int... colours) {
    byte[] px = new byte[h * w * 3];
    for (int p = 0; p < h * w; p++) {
      int c = colours[p % colours.length];
      px[3 * p] = (byte) (c >> 16);
      px[3 * p + 1] = (byte) (c >> 8);
      px[3 * p + 2] = (byte) c;
    }
    return new Image8(h, w, 3, px);
  }

  private static byte[] png(Image8 i) {
    return ImageCodec.encodePng(i);
  }

  @Test
  void aPaletteLabelGivesPerClassMasksAndIgnoredPixelsInNone() throws Exception {
    SampleReader reader = new SampleReader(LabelDecoder.palette(CARLA), null, 2, 3);
    Sample s = reader.read(png(rgb(2, 3, 0x101010)), "Images/s/0.png",
        png(rgb(2, 3, ROAD, ROAD, CAR, VOID, ROAD, CAR)), "Labels/s/0.png");
    assertNull(s.fit(), "already at the model's size");
    String[] rles = s.rles(12);
    assertEquals("", rles[0], "absent class");
    // column-major Kaggle RLE of a 2x3 image: road at (0,0), (0,1), (1,1) -> pixels 1, 3, 4
    assertEquals(Rle.encode(s.classMap().mask(7)), rles[7]);
    assertEquals("1 1 3 2", rles[7]);
    assertEquals(3, s.pixels(12)[7]);
    assertEquals(2, s.pixels(12)[10]);
    assertEquals(1, s.ignoredPixels());
  }

  @Test
  void everyUnusablePairNamesItsFileAndReason() {
    SampleReader reader = new SampleReader(LabelDecoder.palette(CARLA), null, 2, 3);
    byte[] image = png(rgb(2, 3, 0x202020));
    LabelDecoder.LabelException size = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(image, "Images/a.png", png(rgb(3, 3, ROAD)), "Labels/a.png"));
    assertEquals(QuarantineReason.LABEL_SIZE_MISMATCH, size.reason());
    assertTrue(size.getMessage().contains("Labels/a.png is 3x3 but its image Images/a.png is "
        + "2x3"), size.getMessage());
    LabelDecoder.LabelException colour = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(image, "Images/b.png", png(rgb(2, 3, ROAD, 0x010203)),
            "Labels/b.png"));
    assertEquals(QuarantineReason.UNKNOWN_COLOUR, colour.reason());
    assertTrue(colour.getMessage().startsWith("Labels/b.png: 3 pixel(s)"), colour.getMessage());
    LabelDecoder.LabelException grey = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(image, "Images/c.png", png(new Image8(2, 3, 1, new byte[6])),
            "Labels/c.png"));
    assertEquals(QuarantineReason.BAD_ANNOTATION, grey.reason());
    LabelDecoder.LabelException notImage = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(new byte[] {1, 2, 3}, "Images/d.png", png(rgb(2, 3, ROAD)),
            "Labels/d.png"));
    assertEquals(QuarantineReason.NOT_AN_IMAGE, notImage.reason());
    assertTrue(notImage.getMessage().startsWith("Images/d.png: "), notImage.getMessage());
    LabelDecoder.LabelException empty = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(image, "Images/e.png", new byte[0], "Labels/e.png"));
    assertEquals(QuarantineReason.EMPTY_FILE, empty.reason());
    LabelDecoder.LabelException wrong = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(png(rgb(4, 6, 0)), "Images/f.png", png(rgb(4, 6, ROAD)),
            "Labels/f.png"));
    assertEquals(QuarantineReason.WRONG_SIZE, wrong.reason());
    assertTrue(wrong.getMessage().contains("sparkseg.data.resize"), wrong.getMessage());
  }

  @Test
  void anImageOfAnotherSizeIsFittedAndItsLabelComesBackExactly() throws Exception {
    // 4x8 -> 4x4 letterbox: scaled to 2x4, one padded row above and below
    SampleReader reader = new SampleReader(LabelDecoder.palette(CARLA), Fit.Mode.LETTERBOX,
        4, 4);
    Image8 label = rgb(4, 8, ROAD, ROAD, CAR, CAR, ROAD, ROAD, CAR, CAR);
    Sample s = reader.read(png(rgb(4, 8, 0x808080)), "Images/w.png", png(label),
        "Labels/w.png");
    assertEquals(Fit.Mode.LETTERBOX, s.fit().mode());
    assertEquals(4, s.image().height());
    assertEquals(4, s.image().width());
    assertEquals(8, s.ignoredPixels(), "the padding is in no class");
    ClassMap back = s.fit().toSource(s.classMap());
    assertEquals(CARLA.decode(label, "l"), back, "nearest down and back up: the same label");
  }

  @Test
  void indexMasksWithAnIgnoreValue() throws Exception {
    SampleReader reader = new SampleReader(LabelDecoder.indices(3, 255), null, 1, 4);
    byte[] mask = png(new Image8(1, 4, 1, new byte[] {0, 2, (byte) 255, 1}));
    Sample s = reader.read(png(new Image8(1, 4, 1, new byte[4])), "images/a.png", mask,
        "masks/a.png");
    assertArrayEquals(new long[] {1, 1, 1}, s.pixels(3));
    assertEquals(1, s.ignoredPixels());
    LabelDecoder.LabelException beyond = assertThrows(LabelDecoder.LabelException.class,
        () -> reader.read(png(new Image8(1, 4, 1, new byte[4])), "images/b.png",
            png(new Image8(1, 4, 1, new byte[] {0, 7, 0, 0})), "masks/b.png"));
    assertEquals(QuarantineReason.UNKNOWN_COLOUR, beyond.reason());
    assertTrue(beyond.getMessage().startsWith("masks/b.png: 1 pixel(s)"), beyond.getMessage());
  }

  @Test
  void encodedPredictionsDecodeBackAndScore() throws Exception {
    LabelDecoder idx = LabelDecoder.indices(3, 255);
    ClassMap predicted = new ClassMap(1, 4, new byte[] {0, 2, 2, 1});
    ClassMap truth = new ClassMap(1, 4, new byte[] {0, 2, (byte) 255, 2});
    assertEquals(predicted, idx.decode(idx.encode(predicted), "p"));
    ConfusionMatrix m = new ConfusionMatrix(3);
    idx.score(m, idx.encode(predicted), "p.png", idx.encode(truth), "t.png");
    assertEquals(3, m.total(), "the ignored truth pixel does not count");
    assertEquals(1, m.count(2, 1));
    LabelDecoder pal = LabelDecoder.palette(CARLA);
    ClassMap scene = new ClassMap(1, 2, new byte[] {7, 10});
    assertEquals(scene, pal.decode(pal.encode(scene), "p"));
    LabelDecoder.LabelException mismatch = assertThrows(LabelDecoder.LabelException.class,
        () -> idx.score(new ConfusionMatrix(3), idx.encode(predicted), "p.png",
            idx.encode(new ClassMap(2, 2, new byte[4])), "t.png"));
    assertEquals(QuarantineReason.LABEL_SIZE_MISMATCH, mismatch.reason());
  }
}
