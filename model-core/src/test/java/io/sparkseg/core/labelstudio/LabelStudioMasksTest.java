package io.sparkseg.core.labelstudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelStudioMasksTest {

  private static void photo(Path dir, String name, int h, int w) throws Exception {
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), ImageCodec.encodePng(new Image8(h, w, 3, new byte[h * w * 3])));
  }

  @Test
  void writesOneMaskPerPhotoAndLabelAndQuarantinesTheRest(@TempDir Path tmp) throws Exception {
    Path images = tmp.resolve("images");
    photo(images, "photo_a.png", 40, 60);
    photo(images.resolve("sub"), "photo_b.png", 20, 30);
    photo(images, "small.png", 10, 10);
    byte[] png = ImageCodec.encodePng(new Image8(20, 20, 3, new byte[20 * 20 * 3]));
    Files.write(images.resolve("broken.png"), java.util.Arrays.copyOf(png, png.length / 2));
    BinaryMask brushed = BrushRleTest.randomMask(40, 60, 8);
    JsonArray export = new JsonArray();
    export.add(LabelStudioExportTest.task(1, "/data/upload/2/0badcafe-photo_a.png",
        LabelStudioExportTest.brush("patch", brushed)));
    export.add(LabelStudioExportTest.task(2, "/data/local-files/?d=sub/photo_b.png",
        LabelStudioExportTest.polygon("tattoo", 20, 30,
            new double[][] {{0, 0}, {50, 0}, {50, 50}, {0, 50}})));
    export.add(LabelStudioExportTest.task(3, "missing.png"));
    export.add(LabelStudioExportTest.task(4, "photo_a.png",
        LabelStudioExportTest.brush("mole", brushed)));
    export.add(LabelStudioExportTest.task(5, "small.png",
        LabelStudioExportTest.brush("patch", brushed)));
    export.add(LabelStudioExportTest.task(6, "broken.png"));
    Path json = Files.writeString(tmp.resolve("export.json"), export.toString());
    Path out = tmp.resolve("out");

    LabelStudioMasks.Report r = LabelStudioMasks.run(json, images, out,
        LabelStudioExportTest.LABELS);

    assertEquals(6, r.tasksIn());
    assertEquals(2, r.tasksWritten());
    assertEquals(4, r.masksWritten(), "every configured label for each written photo");
    assertTrue(r.reconciled());
    assertEquals(Map.of("missing-image", 1, "unknown-label", 1, "wrong-size", 1,
        "corrupt-image", 1), r.byReason());
    Image8 a = ImageCodec.decode(Files.readAllBytes(out.resolve("photo_a_patch.png")));
    assertEquals(1, a.channels());
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 60; x++) {
        assertEquals(brushed.get(y, x) ? 255 : 0, a.get(y, x, 0));
      }
    }
    Image8 emptyTattoo = ImageCodec.decode(Files.readAllBytes(out.resolve("photo_a_tattoo.png")));
    assertEquals(40, emptyTattoo.height());
    Image8 b = ImageCodec.decode(Files.readAllBytes(out.resolve("photo_b_tattoo.png")));
    assertEquals(255, b.get(5, 5, 0));
    assertEquals(0, b.get(15, 20, 0));
    List<String> q = Files.readAllLines(out.resolve("quarantine.csv"));
    assertEquals(5, q.size(), "header + 4");
    assertTrue(q.stream().anyMatch(l -> l.contains("wrong-size") && l.contains("task 5")), q.toString());
  }

  @Test
  void aBrokenExportKeepsTheTasksBeforeTheError(@TempDir Path tmp) throws Exception {
    Path images = tmp.resolve("images");
    photo(images, "x.png", 10, 10);
    String text = "[" + LabelStudioExportTest.task(1, "x.png") + ", {\"id\": ";
    Path json = Files.writeString(tmp.resolve("export.json"), text);
    LabelStudioMasks.Report r = LabelStudioMasks.run(json, images, tmp.resolve("out"),
        LabelStudioExportTest.LABELS);
    assertEquals(1, r.tasksWritten());
    assertEquals(Map.of("malformed-annotation", 1), r.byReason());
    assertTrue(r.reconciled());
  }
}
