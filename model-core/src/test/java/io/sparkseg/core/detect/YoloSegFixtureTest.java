package io.sparkseg.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loading, decoding, confidence and class filtering, NMS and mask assembly against the fixed
 * detections documented in ../shared/fixtures/README.md, through both export formats: the ONNX
 * fixture (yolo-seg-format-constant.onnx, ONNX Runtime engine; skips without ../shared) and its
 * committed TorchScript twin (same table, PyTorch engine; made by
 * src/test/scripts/make-yolo-torchscript.py).
 */
class YoloSegFixtureTest {
  private static final double EPS = 1e-3;
  private static final String TORCHSCRIPT = "yolo-seg-format-constant.torchscript";

  /** The fixture model of one export format: "onnx" or "torchscript". */
  static Path model(String format) {
    if (format.equals("onnx")) {
      return Fixtures.require("yolo-seg-format-constant.onnx");
    }
    try {
      return Path.of(YoloSegFixtureTest.class.getResource("/fixtures/" + TORCHSCRIPT).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Detection> detect(String format, YoloSeg decoding, int h, int w) {
    Path model = model(format);
    try (YoloSegModel m = YoloSegModel.load(model, decoding, Device.cpu(), true);
        PersonDetector d = m.newDetector()) {
      assertEquals("yolo-seg:" + model.getFileName(), m.name());
      return d.detect(new Image8(h, w, 3, new byte[h * w * 3]));
    }
  }

  private static void assertBox(Detection d, double x1, double y1, double x2, double y2) {
    assertEquals(x1, d.x1(), EPS, "x1");
    assertEquals(y1, d.y1(), EPS, "y1");
    assertEquals(x2, d.x2(), EPS, "x2");
    assertEquals(y2, d.y2(), EPS, "y2");
  }

  private static int firstRow(BinaryMask m) {
    for (int y = 0; y < m.height(); y++) {
      for (int x = 0; x < m.width(); x++) {
        if (m.get(y, x)) {
          return y;
        }
      }
    }
    return -1;
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "torchscript"})
  void defaultsKeepOnlyTheConfidentPersonAfterNms(String format) {
    List<Detection> found = detect(format, YoloSeg.people(), 640, 640);
    assertEquals(1, found.size(), "anchor 1234 only: 1235 by NMS, 5000 is a car, 6000 < 0.25");
    Detection p = found.get(0);
    assertBox(p, 220, 80, 420, 580);
    assertEquals(0.90f, p.score(), 1e-6);
    assertEquals(0, p.classId());
    BinaryMask m = p.mask();
    assertEquals(80, firstRow(m), "the box top cuts the head (which starts at 72)");
    assertTrue(m.get(120, 320), "head centre");
    assertTrue(m.get(360, 320), "torso centre");
    assertFalse(m.get(360, 320 + 100), "outside the torso ellipse (radius 96)");
    assertFalse(m.get(100, 100), "background");
    for (int y = 0; y < 640; y++) {
      assertFalse(m.get(y, 219) || m.get(y, 420), "mask cropped to the box at row " + y);
    }
    // the torso ellipse: radius 96 around x 320 (24 prototype pixels; bilinear sampling of the
    // +5/-5 step moves the edge by up to one prototype pixel, 4 image pixels)
    assertTrue(m.get(360, 320 - 92) && m.get(360, 320 + 92));
    assertFalse(m.get(360, 320 - 101) || m.get(360, 320 + 101));
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "torchscript"})
  void classListConfidenceAndIouAreHonoured(String format) {
    List<Detection> withCars = detect(format,
        new YoloSeg(640, 0.25f, 0.7f, new int[] {0, 2}, 300), 640, 640);
    assertEquals(2, withCars.size());
    assertEquals(2, withCars.get(1).classId());
    assertBox(withCars.get(1), 500, 520, 620, 600);
    BinaryMask car = withCars.get(1).mask();
    assertTrue(car.get(560, 560), "prototype 1's ellipse at (140,140)x4");
    assertFalse(car.get(360, 320), "the car's mask is its own");

    List<Detection> lowConf = detect(format,
        new YoloSeg(640, 0.05f, 0.7f, new int[] {0}, 300), 640, 640);
    assertEquals(2, lowConf.size(), "anchor 6000 (0.10) passes a 0.05 threshold");
    assertBox(lowConf.get(1), 80, 80, 120, 120);

    List<Detection> looseNms = detect(format, new YoloSeg(640, 0.25f, 0.95f, new int[] {0}, 300),
        640, 640);
    assertEquals(2, looseNms.size(), "IoU 0.90 < 0.95 keeps anchor 1235");
    assertBox(looseNms.get(1), 326 - 95, 336 - 240, 326 + 95, 336 + 240);
    assertEquals(0.30f, looseNms.get(1).score(), 1e-6);
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "torchscript"})
  void boxesAndMasksMapBackThroughTheLetterbox(String format) {
    // 1280x1280: r = 0.5, no padding -> everything doubles
    Detection big = detect(format, YoloSeg.people(), 1280, 1280).get(0);
    assertBox(big, 440, 160, 840, 1160);
    assertEquals(160, firstRow(big.mask()));
    assertTrue(big.mask().get(720, 640));

    // 480 high x 640 wide: r = 1, 80 rows of padding above -> y - 80, clipped to the image
    Detection wide = detect(format, YoloSeg.people(), 480, 640).get(0);
    assertBox(wide, 220, 0, 420, 480);
    assertEquals(480, wide.mask().height());
    assertEquals(0, firstRow(wide.mask()), "canvas row 80 is image row 0");
    assertTrue(wide.mask().get(360 - 80, 320));

    // 1000 high x 500 wide: r = 0.64, new size 320 x 640, pad x 160
    Detection tall = detect(format, YoloSeg.people(), 1000, 500).get(0);
    assertBox(tall, (220 - 160) / 0.64, 80 / 0.64, (420 - 160) / 0.64, 580 / 0.64);
    assertEquals((int) Math.ceil(80 / 0.64), firstRow(tall.mask()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"onnx", "torchscript"})
  void boxesOnlyWhenMasksAreNotWanted(String format) {
    Path model = model(format);
    try (YoloSegModel m = YoloSegModel.load(model, YoloSeg.people(), Device.cpu(), false);
        PersonDetector d = m.newDetector()) {
      Detection p = d.detect(new Image8(640, 640, 1, new byte[640 * 640])).get(0);
      assertBox(p, 220, 80, 420, 580);
      assertNull(p.mask());
    }
  }

  @Test
  void bothExportFormatsGiveTheSameDetectionsPixelForPixel() {
    List<Detection> onnx = detect("onnx", new YoloSeg(640, 0.05f, 0.7f, new int[] {0, 2}, 300),
        600, 900);
    List<Detection> ts = detect("torchscript",
        new YoloSeg(640, 0.05f, 0.7f, new int[] {0, 2}, 300), 600, 900);
    assertEquals(3, onnx.size());
    assertEquals(onnx.size(), ts.size());
    for (int i = 0; i < onnx.size(); i++) {
      Detection a = onnx.get(i);
      Detection b = ts.get(i);
      assertEquals(a.classId(), b.classId());
      assertEquals(a.score(), b.score(), 1e-6);
      assertBox(b, a.x1(), a.y1(), a.x2(), a.y2());
      int differing = 0;
      for (int y = 0; y < 600; y++) {
        for (int x = 0; x < 900; x++) {
          differing += a.mask().get(y, x) != b.mask().get(y, x) ? 1 : 0;
        }
      }
      assertEquals(0, differing, "mask pixels that differ between ONNX and TorchScript, " + i);
    }
  }

  @Test
  void foreignOrMissingFilesFailNamingTheFile(@TempDir Path tmp) throws Exception {
    Path missing = tmp.resolve("none.onnx");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> YoloSegModel.load(missing, YoloSeg.people(), Device.cpu(), true));
    assertTrue(e.getMessage().contains("none.onnx"), e.getMessage());

    Path garbage = Files.write(tmp.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4});
    e = assertThrows(IllegalArgumentException.class,
        () -> YoloSegModel.load(garbage, YoloSeg.people(), Device.cpu(), true));
    assertTrue(e.getMessage().contains("garbage.onnx"), e.getMessage());

    Path garbageTs = Files.write(tmp.resolve("garbage.torchscript"), new byte[] {1, 2, 3, 4});
    e = assertThrows(IllegalArgumentException.class,
        () -> YoloSegModel.load(garbageTs, YoloSeg.people(), Device.cpu(), true));
    assertTrue(e.getMessage().contains("garbage.torchscript"), e.getMessage());

    Path weird = Files.write(tmp.resolve("model.bin"), new byte[] {1});
    e = assertThrows(IllegalArgumentException.class,
        () -> YoloSegModel.load(weird, YoloSeg.people(), Device.cpu(), true));
    assertTrue(e.getMessage().contains(".onnx or .torchscript"), e.getMessage());
  }
}
