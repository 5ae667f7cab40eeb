package io.sparkseg.core.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.labelstudio.LabelStudioExport;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.testing.Fixtures;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicePhotoGeneratorTest {

  @Test
  void exportsDescribeThePatchesExactlyAndOutputIsDeterministic(@TempDir Path tmp)
      throws Exception {
    Path bases = Fixtures.dirOrNull() == null ? null : Fixtures.dirOrNull().resolve("people");
    DevicePhotoGenerator gen = new DevicePhotoGenerator(8, 3, 5, bases);
    DevicePhotoGenerator.Summary s = gen.write(tmp.resolve("a"));
    new DevicePhotoGenerator(8, 3, 5, bases).write(tmp.resolve("b"));
    assertEquals(8, s.trainPhotos());
    assertTrue(s.withPatch() >= 6, "about 7 in 8 photos have a patch: " + s.withPatch());
    assertArrayEquals(Files.readAllBytes(tmp.resolve("a/photos/photo_003.jpg")),
        Files.readAllBytes(tmp.resolve("b/photos/photo_003.jpg")));

    List<LabelStudioExport.RawTask> tasks = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(tmp.resolve("a/annotations.json"))) {
      LabelStudioExport.split(r, tasks::add);
    }
    assertEquals(8, tasks.size());
    boolean sawBrush = false;
    boolean sawPolygon = false;
    for (int i = 0; i < tasks.size(); i++) {
      LabelStudioExport.Task t = LabelStudioExport.parseTask(tasks.get(i), Map.of("patch", 1));
      DevicePhotoGenerator.Photo p = gen.photo("train", i);
      String file = t.imageCandidates().get(t.imageCandidates().size() - 1);
      assertEquals(p.fileName(), file);
      Image8 onDisk = ImageCodec.decode(Files.readAllBytes(tmp.resolve("a/photos").resolve(file)));
      assertEquals(p.image().height(), onDisk.height());
      if (p.patch() == null) {
        assertTrue(t.masks().isEmpty());
        continue;
      }
      BinaryMask m = t.masks().get(1);
      assertNotNull(m);
      int differ = 0;
      for (int y = 0; y < m.height(); y++) {
        for (int x = 0; x < m.width(); x++) {
          differ += m.get(y, x) != p.patch().get(y, x) ? 1 : 0;
        }
      }
      assertTrue(differ <= p.patch().count() / 50, "annotation matches the painted patch");
      sawBrush |= tasks.get(i).json().contains("brushlabels");
      sawPolygon |= tasks.get(i).json().contains("polygonlabels");
    }
    assertTrue(sawBrush && sawPolygon, "both result kinds");
    assertTrue(Files.exists(tmp.resolve("a/test_annotations.json")));
  }
}
