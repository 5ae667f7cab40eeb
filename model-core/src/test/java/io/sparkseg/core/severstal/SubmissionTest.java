package io.sparkseg.core.severstal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.core.mask.BinaryMask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmissionTest {
  @Test
  void perfectEmptyAndLegacySubmissions(@TempDir Path dir) throws Exception {
    new DemoDataGenerator(new DemoDataset(1, 10, 64, 400, 0.4, 4)).writeKaggleLayout(dir);
    Path truthFile = dir.resolve("test_truth.csv");
    Map<String, BinaryMask[]> truth = Submission.read(truthFile, 4, 64, 400);
    List<String> ids = new ArrayList<>();
    try (var s = Files.list(dir.resolve("test_images"))) {
      s.map(p -> p.getFileName().toString()).sorted().forEach(ids::add);
    }

    // the truth itself, in the submission layout: 4 rows per image, empty for no defect
    List<String> perfect = new ArrayList<>(List.of("ImageId_ClassId,EncodedPixels"));
    List<String> empty = new ArrayList<>(List.of("ImageId_ClassId,EncodedPixels"));
    List<String> truthLines = Files.readAllLines(truthFile);
    for (String id : ids) {
      for (int c = 1; c <= 4; c++) {
        String rle = "";
        for (String l : truthLines) {
          if (l.startsWith(id + "," + c + ",")) {
            rle = l.substring(l.lastIndexOf(',') + 1);
          }
        }
        perfect.add(id + "_" + c + "," + rle);
        empty.add(id + "_" + c + ",");
      }
    }
    Path perfectFile = Files.write(dir.resolve("perfect.csv"), perfect);
    Path emptyFile = Files.write(dir.resolve("empty.csv"), empty);
    Submission.Score p = Submission.score(Submission.read(perfectFile, 4, 64, 400), truth, 4,
        64, 400);
    assertEquals(1.0, p.metrics().meanDice(), 1e-12);
    assertEquals(10, p.images());
    assertEquals(0, p.missingFromSubmission());

    Submission.Score e = Submission.score(Submission.read(emptyFile, 4, 64, 400), truth, 4, 64,
        400);
    long pairsWithDefects = truthLines.size() - 1;
    assertEquals(1.0 - pairsWithDefects / 40.0, e.metrics().meanDice(), 1e-12,
        "an empty submission scores the share of empty (image, class) pairs");

    // the newer layout reads the same
    List<String> newer = new ArrayList<>(List.of("ImageId,EncodedPixels,ClassId"));
    for (String l : perfect.subList(1, perfect.size())) {
      String[] f = l.split(",", -1);
      int sep = f[0].lastIndexOf('_');
      newer.add(f[0].substring(0, sep) + "," + f[1] + "," + f[0].substring(sep + 1));
    }
    assertEquals(1.0, Submission.score(Submission.read(Files.write(dir.resolve("newer.csv"),
        newer), 4, 64, 400), truth, 4, 64, 400).metrics().meanDice(), 1e-12);
  }

  @Test
  void badRowsNameFileAndLine(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("s.csv"), List.of("ImageId_ClassId,EncodedPixels",
        "a.jpg_1,1 2", "a.jpg_2,5 5 1 1"));
    IOException e = assertThrows(IOException.class, () -> Submission.read(f, 4, 64, 400));
    assertTrue(e.getMessage().startsWith(f + " line 3: run 2 starts at 1"), e.getMessage());
  }

  @Test
  void writesBothLayoutsThatReadBackTheSame(@TempDir Path dir) throws Exception {
    Map<String, String[]> rles = new java.util.HashMap<>();
    rles.put("b.jpg", new String[] {"", "3 4", null, ""});
    rles.put("a.jpg", new String[] {"1 2 10 3", "", "", ""});
    Path legacy = dir.resolve("legacy.csv");
    Path newer = dir.resolve("newer.csv");
    try (var w = Files.newBufferedWriter(legacy)) {
      Submission.write(w, Submission.Layout.LEGACY, rles, 4);
    }
    try (var w = Files.newBufferedWriter(newer)) {
      Submission.write(w, Submission.Layout.of("newer"), rles, 4);
    }
    List<String> lines = Files.readAllLines(legacy);
    assertEquals(List.of("ImageId_ClassId,EncodedPixels", "a.jpg_1,1 2 10 3", "a.jpg_2,",
        "a.jpg_3,", "a.jpg_4,", "b.jpg_1,", "b.jpg_2,3 4", "b.jpg_3,", "b.jpg_4,"), lines);
    assertEquals("ImageId,EncodedPixels,ClassId", Files.readAllLines(newer).get(0));
    assertEquals("b.jpg,3 4,2", Files.readAllLines(newer).get(6));
    Map<String, BinaryMask[]> a = Submission.read(legacy, 4, 8, 8);
    Map<String, BinaryMask[]> b = Submission.read(newer, 4, 8, 8);
    assertEquals(a.keySet(), b.keySet());
    for (String id : a.keySet()) {
      assertTrue(java.util.Arrays.equals(a.get(id), b.get(id)), id);
    }
    assertThrows(IllegalArgumentException.class, () -> Submission.write(new java.io.StringWriter(),
        Submission.Layout.LEGACY, Map.of("x.jpg", new String[] {""}), 4));
    assertThrows(IllegalArgumentException.class, () -> Submission.Layout.of("csv"));
  }
}
