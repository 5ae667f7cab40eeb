package io.sparkseg.core.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.severstal.TrainCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDataGeneratorTest {
  @Test
  void sameSettingsGiveIdenticalFiles(@TempDir Path a, @TempDir Path b) throws Exception {
    DemoDataset spec = new DemoDataset(6, 2, 64, 400, 0.5, 11);
    new DemoDataGenerator(spec).writeKaggleLayout(a);
    new DemoDataGenerator(spec).writeKaggleLayout(b);
    for (String f : List.of("train.csv", "sample_submission.csv", "test_truth.csv")) {
      assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
    }
    try (var files = Files.list(a.resolve("train_images"))) {
      for (Path p : files.toList()) {
        assertArrayEquals(Files.readAllBytes(p),
            Files.readAllBytes(b.resolve("train_images").resolve(p.getFileName())));
      }
    }
  }

  @Test
  void kaggleLayoutWithMatchingLabels(@TempDir Path root) throws Exception {
    DemoDataset spec = new DemoDataset(12, 3, 128, 800, 0.4, 5);
    DemoDataGenerator.Summary summary = new DemoDataGenerator(spec).writeKaggleLayout(root);
    assertEquals(12, count(root.resolve("train_images")));
    assertEquals(3, count(root.resolve("test_images")));
    List<String> csv = Files.readAllLines(root.resolve("train.csv"));
    assertEquals("ImageId,ClassId,EncodedPixels", csv.get(0));
    assertEquals(summary.trainCsvRows(), csv.size() - 1);
    List<String> sample = Files.readAllLines(root.resolve("sample_submission.csv"));
    assertEquals("ImageId,EncodedPixels,ClassId", sample.get(0));
    assertEquals(4, sample.size());

    // every row is a valid mask of an existing image, and regenerating gives the same mask
    DemoDataGenerator gen = new DemoDataGenerator(spec);
    Map<String, DemoDataGenerator.Sample> byId = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      DemoDataGenerator.Sample s = gen.sample("train", i);
      byId.put(s.imageId(), s);
    }
    for (String line : csv.subList(1, csv.size())) {
      TrainCsv.Row row = TrainCsv.parse(TrainCsv.Layout.IMAGE_CLASS, line, 4);
      assertEquals(TrainCsv.Row.Kind.MASK, row.kind(), line);
      DemoDataGenerator.Sample s = byId.get(row.imageId());
      BinaryMask mask = Rle.decode(row.rle(), 128, 800);
      assertEquals(s.masks()[row.classId() - 1], mask);
      Image8 decoded = ImageCodec.decode(
          Files.readAllBytes(root.resolve("train_images").resolve(row.imageId())));
      assertEquals(3, decoded.channels());
      assertEquals(128, decoded.height());
      assertEquals(800, decoded.width());
    }
  }

  @Test
  void competitionMixDisjointMasksAndVisibleDefects() {
    DemoDataGenerator gen = new DemoDataGenerator(new DemoDataset(300, 0, 64, 400, 0.5, 1));
    int clean = 0;
    int[] perClass = new int[4];
    double insideMinusOutside = 0;
    int defective = 0;
    for (int i = 0; i < 300; i++) {
      DemoDataGenerator.Sample s = gen.sample("train", i);
      boolean any = false;
      for (int r = 0; r < 64; r++) {
        for (int c = 0; c < 400; c++) {
          int owners = 0;
          for (BinaryMask m : s.masks()) {
            owners += m.get(r, c) ? 1 : 0;
          }
          assertTrue(owners <= 1, "masks overlap in image " + s.imageId());
        }
      }
      for (int k = 0; k < 4; k++) {
        if (!s.masks()[k].isEmpty()) {
          perClass[k]++;
          any = true;
          insideMinusOutside += Math.abs(meanInside(s, k, true) - meanInside(s, k, false));
        }
      }
      if (any) {
        defective++;
      } else {
        clean++;
      }
    }
    assertTrue(clean > 110 && clean < 190, "about half clean: " + clean);
    assertTrue(perClass[2] > perClass[0] && perClass[2] > perClass[3] && perClass[0] > perClass[1]
        && perClass[3] > perClass[1], "class 3 dominant, class 2 rarest: "
        + java.util.Arrays.toString(perClass));
    assertTrue(perClass[1] > 0, "class 2 still appears");
    assertFalse(defective == 0);
    assertTrue(insideMinusOutside / defective > 15, "defects differ visibly from the background");
  }

  private static double meanInside(DemoDataGenerator.Sample s, int k, boolean inside) {
    double sum = 0;
    int n = 0;
    for (int r = 0; r < 64; r++) {
      for (int c = 0; c < 400; c++) {
        if (s.masks()[k].get(r, c) == inside) {
          sum += s.image().get(r, c, 0);
          n++;
        }
      }
    }
    return sum / Math.max(1, n);
  }

  private static long count(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.count();
    }
  }
}
