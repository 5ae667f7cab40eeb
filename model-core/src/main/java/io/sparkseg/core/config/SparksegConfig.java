package io.sparkseg.core.config;

import io.sparkseg.core.tiling.TileGeometry;
import java.util.Map;

/**
 * The whole configuration, typed, validated and immutable. Built by {@link ConfigLoader} from
 * {@code conf/application.conf} plus overrides; see that file for what each setting means.
 */
public record SparksegConfig(String workDir, Data data, Tables tables, Folds folds, Tiles tiles,
    Demo demo, TrainConfig train, Spark spark) {

  /** Input data locations and the expected image geometry. */
  public record Data(String dir, String trainImages, String trainCsv, String testImages,
      String imageGlob, int imageHeight, int imageWidth, int classes) {}

  /** Where and how tables are stored. */
  public record Tables(TableFormat format, String dir) {
    /** Location of table {@code name}. */
    public String path(String name) {
      return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
  }

  /** K-fold split settings. */
  public record Folds(int k, long seed) {}

  /** Tile size and stride. */
  public record Tiles(int height, int width, int stride) {}

  /** Generated demo data set. */
  public record Demo(int trainImages, int testImages, double cleanFraction, long seed) {}

  /** Spark session settings. */
  public record Spark(String master, String appName, Map<String, String> conf) {
    public Spark {
      conf = Map.copyOf(conf);
    }
  }

  /** The demo data set at the configured image size. */
  public io.sparkseg.core.demo.DemoDataset demoDataset() {
    return new io.sparkseg.core.demo.DemoDataset(demo.trainImages(), demo.testImages(),
        data.imageHeight(), data.imageWidth(), demo.cleanFraction(), demo.seed());
  }

  /** Tiling of the configured image size. */
  public TileGeometry tileGeometry() {
    return new TileGeometry(data.imageHeight(), data.imageWidth(), tiles.height(), tiles.width(),
        tiles.stride());
  }
}
