package io.sparkseg.core.tiling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkseg.core.mask.BinaryMask;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TileGeometryTest {
  @Test
  void severstalGivesSixTilesFlushWithTheRightEdge() {
    TileGeometry g = new TileGeometry(256, 1600, 256, 512, 256);
    List<Tile> tiles = g.tiles();
    assertEquals(6, tiles.size());
    assertEquals(6, g.tileCount());
    assertEquals(List.of(0, 256, 512, 768, 1024, 1088), tiles.stream().map(Tile::x).toList());
    tiles.forEach(t -> assertEquals(0, t.y()));
  }

  @Test
  void twoDimensionalGrid() {
    TileGeometry g = new TileGeometry(100, 100, 64, 64, 32);
    assertEquals(List.of(0, 32, 36), TileGeometry.offsets(100, 64, 32));
    assertEquals(9, g.tiles().size());
    assertEquals(1, new TileGeometry(64, 64, 64, 64, 64).tileCount());
  }

  @Test
  void rejectsStrideThatLeavesGapsAndOversizedTiles() {
    assertThrows(IllegalArgumentException.class, () -> new TileGeometry(256, 1600, 256, 512, 600));
    assertThrows(IllegalArgumentException.class, () -> new TileGeometry(256, 400, 256, 512, 256));
    assertThrows(IllegalArgumentException.class, () -> new TileGeometry(256, 1600, 256, 512, 0));
  }

  @Test
  void masksRoundTripExactlyThroughTilesAndStitching() {
    TileGeometry g = new TileGeometry(256, 1600, 256, 512, 256);
    Random rnd = new Random(5);
    BinaryMask mask = new BinaryMask(256, 1600);
    for (int i = 0; i < 30_000; i++) {
      mask.set(rnd.nextInt(256), rnd.nextInt(1600), true);
    }
    OverlapStitcher s = new OverlapStitcher(g, 1);
    for (Tile t : g.tiles()) {
      s.add(t, new float[][] {OverlapStitcher.plane(mask.crop(t.y(), t.x(), t.height(), t.width()))});
    }
    float[][] out = s.result();
    assertEquals(mask, OverlapStitcher.threshold(out[0], 256, 1600, 0.5f));
    for (float v : out[0]) {
      assertEquals(0, v * (1 - v), "an exact round trip gives only 0 and 1");
    }
  }

  @Test
  void overlapsAreAveraged() {
    TileGeometry g = new TileGeometry(2, 6, 2, 4, 2); // x = 0, 2; columns 2,3 overlap
    OverlapStitcher s = new OverlapStitcher(g, 2);
    List<Tile> tiles = g.tiles();
    s.add(tiles.get(0), new float[][] {filled(8, 1f), filled(8, 0.2f)});
    s.add(tiles.get(1), new float[][] {filled(8, 0f), filled(8, 0.6f)});
    float[][] out = s.result();
    assertArrayEquals(new float[] {1, 1, 0.5f, 0.5f, 0, 0, 1, 1, 0.5f, 0.5f, 0, 0}, out[0], 1e-6f);
    assertEquals(0.4f, out[1][2], 1e-6f);
    assertEquals(0.2f, out[1][0], 1e-6f);
    assertEquals(0.6f, out[1][5], 1e-6f);
  }

  @Test
  void missingTileIsReported() {
    TileGeometry g = new TileGeometry(2, 6, 2, 4, 2);
    OverlapStitcher s = new OverlapStitcher(g, 1);
    s.add(g.tiles().get(0), new float[][] {filled(8, 1f)});
    IllegalStateException e = assertThrows(IllegalStateException.class, s::result);
    assertEquals("pixel (0,4) was covered by no tile", e.getMessage());
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
