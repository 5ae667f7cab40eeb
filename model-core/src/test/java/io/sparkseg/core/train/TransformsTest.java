package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TransformsTest {
  private static final int H = 40;
  private static final int W = 40;

  /** Image whose R and G hold (source row + 1, source col + 1); B is 0. */
  private static TrainingSample coordinateSample(int h, int w) {
    byte[] px = new byte[h * w * 3];
    BinaryMask mask = new BinaryMask(h, w);
    Random rnd = new Random(4);
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        px[(r * w + c) * 3] = (byte) (r + 1);
        px[(r * w + c) * 3 + 1] = (byte) (c + 1);
        mask.set(r, c, rnd.nextInt(3) == 0);
      }
    }
    return new TrainingSample("s", new Image8(h, w, 3, px), new BinaryMask[] {mask, null});
  }

  @Test
  void everyGeometricTransformKeepsMasksOnTheirImagePixels() {
    Map<String, Augmenter.Transform> geometric = Map.of(
        "hflip", Transforms.horizontalFlip(),
        "vflip", Transforms.verticalFlip(),
        "rotate90", Transforms.rotate90(),
        "shift-scale-rotate", Transforms.shiftScaleRotate(0.1, 0.2, 30, true),
        "elastic", Transforms.elastic(8, 4, true));
    for (int[] size : new int[][] {{H, W}, {24, 56}}) {
      TrainingSample in = coordinateSample(size[0], size[1]);
      geometric.forEach((name, t) -> {
        for (int trial = 0; trial < 6; trial++) {
          TrainingSample out = t.apply(in, new Random(trial));
          assertEquals(size[0], out.image().height(), name);
          assertEquals(size[1], out.image().width(), name);
          assertEquals(null, out.masks()[1], name + ": an empty class stays empty");
          int moved = 0;
          for (int r = 0; r < size[0]; r++) {
            for (int c = 0; c < size[1]; c++) {
              int sr = out.image().get(r, c, 0) - 1;
              int sc = out.image().get(r, c, 1) - 1;
              boolean expected = sr >= 0 && in.masks()[0].get(sr, sc);
              assertEquals(expected, out.masks()[0].get(r, c),
                  name + " trial " + trial + " at " + r + "," + c);
              moved += sr != r || sc != c ? 1 : 0;
            }
          }
          if (!name.equals("rotate90")) {
            assertTrue(moved > 0, name + " moved nothing");
          }
        }
      });
    }
  }

  @Test
  void photometricTransformsChangeTheImageOnly() {
    TrainingSample in = coordinateSample(H, W);
    for (Augmenter.Transform t : new Augmenter.Transform[] {
        Transforms.brightnessContrast(0.3, 0.3), Transforms.gaussianNoise(20, 60),
        Transforms.coarseDropout(3, 0.3), Transforms.hueSaturationValue(20, 0.3, 0.2)}) {
      TrainingSample out = t.apply(in, new Random(1));
      assertSame(in.masks()[0], out.masks()[0]);
      assertNotEquals(in.image(), out.image());
    }
    TrainingSample grey = new TrainingSample("g", in.image().firstChannel(), in.masks());
    assertSame(grey, Transforms.hueSaturationValue(20, 0.3, 0.2).apply(grey, new Random(1)),
        "hue/saturation leave a grey image alone");
  }

  @Test
  void recipesAreSeeded() {
    TrainingSample in = coordinateSample(H, W);
    Augmenter a = Augmenter.severstal();
    assertEquals(a.apply(in, 1, 2, 3).image(), a.apply(in, 1, 2, 3).image());
    int differs = 0;
    for (int i = 0; i < 10; i++) {
      differs += a.apply(in, 1, 2, i).image().equals(in.image()) ? 0 : 1;
    }
    assertTrue(differs >= 5, "most samples are changed: " + differs);
  }
}
