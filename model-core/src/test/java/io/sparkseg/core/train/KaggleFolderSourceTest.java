package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.demo.DemoDataGenerator;
import io.sparkseg.core.demo.DemoDataset;
import io.sparkseg.core.folds.StratifiedKFold;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.tiling.TileGeometry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KaggleFolderSourceTest {
  private static final TileGeometry GEOMETRY = new TileGeometry(64, 400, 64, 128, 64);

  @Test
  void foldsPartitionTheTilesAndKeepTheMasks(@TempDir Path root) throws Exception {
    DemoDataset spec = new DemoDataset(12, 0, 64, 400, 0.4, 2);
    new DemoDataGenerator(spec).writeKaggleLayout(root);
    StratifiedKFold kfold = new StratifiedKFold(3, 42);
    List<TrainingSample> val = KaggleFolderSource.fold(root, 4, GEOMETRY, kfold, 1, true);
    List<TrainingSample> train = KaggleFolderSource.fold(root, 4, GEOMETRY, kfold, 1, false);
    int tiles = GEOMETRY.tileCount();
    assertEquals(12 * tiles, val.size() + train.size());
    assertEquals(4 * tiles, val.size(), "12 images in 3 folds");
    Set<String> valIds = new HashSet<>();
    val.forEach(s -> valIds.add(s.id()));
    train.forEach(s -> assertTrue(!valIds.contains(s.id()), "a tile in both splits"));
    long masked = train.stream().filter(s -> s.masks()[2] != null && !s.masks()[2].isEmpty())
        .count() + val.stream().filter(s -> s.masks()[2] != null && !s.masks()[2].isEmpty())
        .count();
    assertTrue(masked > 0, "class 3 defects reach the tiles");
    // tile 0 of an image shows the image's first 128 columns with the same mask pixels
    DemoDataGenerator.Sample s0 = new DemoDataGenerator(spec).sample("train", 0);
    TrainingSample t0 = (valIds.contains(s0.imageId() + "_0") ? val : train).stream()
        .filter(t -> t.id().equals(s0.imageId() + "_0")).findFirst().orElseThrow();
    for (int c = 0; c < 4; c++) {
      BinaryMask want = s0.masks()[c].crop(0, 0, 64, 128);
      BinaryMask got = t0.masks()[c] == null ? new BinaryMask(64, 128) : t0.masks()[c];
      assertEquals(want, got, "class " + (c + 1));
    }
    assertEquals(1, t0.image().channels(), "grey images become 1 channel");
  }

  @Test
  void badRowsNameFileAndLine(@TempDir Path root) throws Exception {
    new DemoDataGenerator(new DemoDataset(3, 0, 64, 400, 0.0, 2)).writeKaggleLayout(root);
    long lines = Files.readAllLines(root.resolve("train.csv")).size();
    Files.writeString(root.resolve("train.csv"), "x.jpg,1,5 5 1 1\n", StandardOpenOption.APPEND);
    IOException e = assertThrows(IOException.class, () -> KaggleFolderSource.fold(root, 4,
        GEOMETRY, new StratifiedKFold(2, 1), 0, true));
    assertTrue(e.getMessage().contains("train.csv line " + (lines + 1) + ": run 2 starts at 1"),
        e.getMessage());
  }
}
