package io.sparkseg.core.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.Normalization;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TiledEnsembleTest {
  private static SegmentationModel model(NDManager m, int seed) {
    Engines.pytorch().setRandomSeed(seed);
    SegmentationModel model = SegmentationModel.build(new ModelSpec(
        ModelSpec.Architecture.UNET, "resnet18", new int[] {16, 16, 8, 8, 8}, 4,
        ModelSpec.Activation.SIGMOID));
    model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
    return model;
  }

  private static Image8 image(int h, int w, long seed) {
    byte[] px = new byte[h * w];
    new Random(seed).nextBytes(px);
    return new Image8(h, w, 1, px);
  }

  @Test
  void stitchesTilesAndAveragesTheModels() {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationPredictor a = new SegmentationPredictor(model(m, 1), m,
          Normalization.IMAGENET, 4, true);
      SegmentationPredictor b = new SegmentationPredictor(model(m, 2), m,
          Normalization.IMAGENET, 4, true);
      // 32x96 in 32x32 tiles at stride 32: three tiles side by side, no overlap
      TileGeometry g = new TileGeometry(32, 96, 32, 32, 32);
      List<Image8> images = List.of(image(32, 96, 1), image(32, 96, 2));
      List<float[][]> single = new TiledEnsemble(List.of(a), g, 4).probabilities(images);
      assertEquals(2, single.size());
      assertEquals(4, single.get(0).length);
      assertEquals(32 * 96, single.get(0)[0].length);
      // each tile's region holds exactly the model's output for that crop
      for (Tile t : g.tiles()) {
        float[][] tile = a.predict(List.of(images.get(1).crop(t.y(), t.x(), 32, 32))).get(0);
        for (int c = 0; c < 4; c++) {
          for (int r = 0; r < 32; r++) {
            for (int x = 0; x < 32; x++) {
              assertEquals(tile[c][r * 32 + x], single.get(1)[c][r * 96 + t.x() + x], 1e-6f);
            }
          }
        }
      }
      List<float[][]> bOnly = new TiledEnsemble(List.of(b), g, 4).probabilities(images);
      List<float[][]> both = new TiledEnsemble(List.of(a, b), g, 4).probabilities(images);
      for (int n = 0; n < 2; n++) {
        for (int c = 0; c < 4; c++) {
          for (int i = 0; i < 32 * 96; i += 37) {
            assertEquals((single.get(n)[c][i] + bOnly.get(n)[c][i]) / 2, both.get(n)[c][i],
                1e-6f);
          }
        }
      }
      // overlapping tiles (stride 16) average where they overlap; still one value per pixel
      TileGeometry overlapping = new TileGeometry(32, 96, 32, 32, 16);
      float[][] ov = new TiledEnsemble(List.of(a), overlapping, 4)
          .probabilities(List.of(images.get(0))).get(0);
      Tile first = overlapping.tiles().get(0);
      float[][] t0 = a.predict(List.of(images.get(0).crop(0, 0, 32, 32))).get(0);
      float[][] t1 = a.predict(List.of(images.get(0).crop(0, 16, 32, 32))).get(0);
      assertEquals(0, first.x());
      assertEquals(t0[0][5 * 32 + 3], ov[0][5 * 96 + 3], 1e-6f); // only tile 0 covers x=3
      assertEquals((t0[0][5 * 32 + 20] + t1[0][5 * 32 + 4]) / 2, ov[0][5 * 96 + 20], 1e-6f);
      assertThrows(IllegalArgumentException.class, () -> new TiledEnsemble(List.of(a), g, 4)
          .probabilities(List.of(image(32, 64, 3))));
    }
  }

  @Test
  void foldMaximumClassesTakeTheModelsMaximumTheOthersTheirMean() {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationPredictor a = new SegmentationPredictor(model(m, 1), m,
          Normalization.IMAGENET, 4, false);
      SegmentationPredictor b = new SegmentationPredictor(model(m, 2), m,
          Normalization.IMAGENET, 4, false);
      TileGeometry g = new TileGeometry(32, 96, 32, 32, 16); // overlapping tiles
      List<Image8> images = List.of(image(32, 96, 4));
      float[][] pa = new TiledEnsemble(List.of(a), g, 4).probabilities(images).get(0);
      float[][] pb = new TiledEnsemble(List.of(b), g, 4).probabilities(images).get(0);
      float[][] mixed = new TiledEnsemble(List.of(a, b), g, 4, List.of(1, 3))
          .probabilities(images).get(0);
      int differ = 0;
      for (int i = 0; i < 32 * 96; i++) {
        // x = 0..15 and 80..95 are covered by one tile only: there the combination is exact
        if (i % 96 >= 16 && i % 96 < 80) {
          continue;
        }
        for (int c = 0; c < 4; c++) {
          float expected = c == 0 || c == 2 ? Math.max(pa[c][i], pb[c][i])
              : (pa[c][i] + pb[c][i]) / 2;
          assertEquals(expected, mixed[c][i], 1e-6f, "class " + (c + 1) + " pixel " + i);
        }
        differ += Math.abs(pa[0][i] - pb[0][i]) > 1e-3f ? 1 : 0;
      }
      org.junit.jupiter.api.Assertions.assertTrue(differ > 100,
          "the two models must disagree for the test to tell max from mean: " + differ);
      // one model: the maximum is its own map
      float[][] one = new TiledEnsemble(List.of(a), g, 4, List.of(1)).probabilities(images)
          .get(0);
      org.junit.jupiter.api.Assertions.assertArrayEquals(pa[0], one[0], 0f);
      assertThrows(IllegalArgumentException.class,
          () -> new TiledEnsemble(List.of(a), g, 4, List.of(5)));
    }
  }

  @Test
  void autoBatchKeepsCpuPassesSmallAndGpuPassesLarge() {
    org.junit.jupiter.api.Assertions.assertEquals(2, TiledEnsemble.autoBatch(false, 256, 512));
    org.junit.jupiter.api.Assertions.assertEquals(1, TiledEnsemble.autoBatch(false, 512, 1024));
    org.junit.jupiter.api.Assertions.assertEquals(12, TiledEnsemble.autoBatch(false, 64, 96));
    org.junit.jupiter.api.Assertions.assertEquals(12, TiledEnsemble.autoBatch(true, 256, 512));
    var cfg = io.sparkseg.core.config.ConfigLoader.load(null, java.util.Map.of(), java.util.Map.of());
    org.junit.jupiter.api.Assertions.assertEquals(2, cfg.predictBatchSize(false), "auto");
    var set = io.sparkseg.core.config.ConfigLoader.load(null,
        java.util.Map.of("predict.batch-size", "5"), java.util.Map.of());
    org.junit.jupiter.api.Assertions.assertEquals(5, set.predictBatchSize(false));
  }
}
