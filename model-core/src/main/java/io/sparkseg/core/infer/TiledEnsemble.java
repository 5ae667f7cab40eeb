package io.sparkseg.core.infer;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.tiling.OverlapStitcher;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-image probabilities from models trained on tiles: each image is cut with the training
 * {@link TileGeometry}, every model (a fold of the ensemble) scores all tiles of the batch
 * (with its own flip TTA), the models' probabilities are averaged per tile (or, for chosen
 * classes, their maximum taken), and the tiles are stitched back with overlap averaging. Not
 * thread-safe (its predictors are not): one per thread or Spark partition.
 */
public final class TiledEnsemble {
  private final List<ProbabilityModel> models;
  private final TileGeometry geometry;
  private final int classes;
  private final boolean[] foldMax;

  public TiledEnsemble(List<? extends ProbabilityModel> models, TileGeometry geometry, int classes) {
    this(models, geometry, classes, List.of());
  }

  /**
   * As {@link #TiledEnsemble(List, TileGeometry, int)}, the classes of {@code foldMaxClasses}
   * (1-based) combined by the models' pixel-wise maximum instead of their mean: a small, rare
   * structure that one fold is sure of is not diluted by the others (README "Rare classes").
   */
  public TiledEnsemble(List<? extends ProbabilityModel> models, TileGeometry geometry,
      int classes, List<Integer> foldMaxClasses) {
    if (models.isEmpty()) {
      throw new IllegalArgumentException("an ensemble needs at least one model");
    }
    this.models = List.copyOf(models);
    this.geometry = geometry;
    this.classes = classes;
    this.foldMax = foldMaxMask(foldMaxClasses, classes);
  }

  /** Per class (0-based), whether {@code foldMaxClasses} (1-based ids) names it. */
  public static boolean[] foldMaxMask(List<Integer> foldMaxClasses, int classes) {
    boolean[] mask = new boolean[classes];
    for (int c : foldMaxClasses) {
      if (c < 1 || c > classes) {
        throw new IllegalArgumentException("fold-maximum class " + c + " is not among 1.."
            + classes);
      }
      mask[c - 1] = true;
    }
    return mask;
  }

  public TileGeometry geometry() {
    return geometry;
  }

  /** {@code result.get(i)[class][row-major pixel]} at full image size, for each image. */
  public List<float[][]> probabilities(List<Image8> images) {
    List<Tile> tiles = geometry.tiles();
    List<Image8> crops = new ArrayList<>(images.size() * tiles.size());
    for (Image8 img : images) {
      if (img.height() != geometry.imageHeight() || img.width() != geometry.imageWidth()) {
        throw new IllegalArgumentException("image is " + img.height() + "x" + img.width()
            + ", the models' tiling expects " + geometry.imageHeight() + "x"
            + geometry.imageWidth());
      }
      for (Tile t : tiles) {
        crops.add(img.crop(t.y(), t.x(), t.height(), t.width()));
      }
    }
    List<float[][]> mean = null;
    List<float[][]> max = null;
    for (ProbabilityModel model : models) {
      List<float[][]> p = model.predict(crops);
      if (mean == null) {
        mean = p;
        max = models.size() > 1 ? copyOfFoldMaxPlanes(p) : null; // one model: its own planes
      } else {
        for (int i = 0; i < p.size(); i++) {
          add(mean.get(i), p.get(i));
          maximum(max.get(i), p.get(i));
        }
      }
    }
    float scale = 1f / models.size();
    List<float[][]> out = new ArrayList<>(images.size());
    for (int n = 0; n < images.size(); n++) {
      OverlapStitcher stitcher = new OverlapStitcher(geometry, classes);
      for (Tile t : tiles) {
        float[][] planes = mean.get(n * tiles.size() + t.index());
        if (planes.length != classes) {
          throw new IllegalStateException("model gives " + planes.length + " classes, expected "
              + classes);
        }
        for (int c = 0; c < classes; c++) {
          if (foldMax[c]) {
            if (max != null) {
              planes[c] = max.get(n * tiles.size() + t.index())[c];
            }
          } else if (scale != 1f) {
            float[] plane = planes[c];
            for (int i = 0; i < plane.length; i++) {
              plane[i] *= scale;
            }
          }
        }
        stitcher.add(t, planes);
      }
      out.add(stitcher.result());
    }
    return out;
  }

  /** The first model's planes of the fold-maximum classes, copied (null elsewhere). */
  private List<float[][]> copyOfFoldMaxPlanes(List<float[][]> first) {
    List<float[][]> out = new ArrayList<>(first.size());
    for (float[][] planes : first) {
      float[][] copy = new float[planes.length][];
      for (int c = 0; c < planes.length && c < classes; c++) {
        copy[c] = foldMax[c] ? planes[c].clone() : null;
      }
      out.add(copy);
    }
    return out;
  }

  private static void maximum(float[][] into, float[][] more) {
    for (int c = 0; c < into.length; c++) {
      if (into[c] != null) {
        for (int i = 0; i < into[c].length; i++) {
          into[c][i] = Math.max(into[c][i], more[c][i]);
        }
      }
    }
  }

  private static void add(float[][] into, float[][] more) {
    for (int c = 0; c < into.length; c++) {
      for (int i = 0; i < into[c].length; i++) {
        into[c][i] += more[c][i];
      }
    }
  }

  /** Pixels per forward pass on a CPU beyond which larger batches got slower (measured). */
  public static final int CPU_BATCH_PIXELS = 1 << 18;
  /** Tiles per forward pass on a GPU. */
  public static final int GPU_BATCH_TILES = 12;

  /**
   * Tiles per forward pass when {@code predict.batch-size} is 0 (auto): on a GPU 12; on a CPU
   * as many as fit in {@value #CPU_BATCH_PIXELS} pixels (at least 1, at most 12). Measured on 2
   * cores with 256x512 tiles, scoring 20 images: 1 or 2 tiles per pass 14.4-14.7 s, 4 tiles
   * 21.1 s, 12 tiles 32.2 s: large batches of large tiles run out of cache on a CPU.
   */
  public static int autoBatch(boolean gpu, int tileHeight, int tileWidth) {
    if (gpu) {
      return GPU_BATCH_TILES;
    }
    long pixels = (long) tileHeight * tileWidth;
    return (int) Math.max(1, Math.min(GPU_BATCH_TILES, CPU_BATCH_PIXELS / pixels));
  }
}
