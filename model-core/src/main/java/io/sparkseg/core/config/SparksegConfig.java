package io.sparkseg.core.config;

import io.sparkseg.core.tiling.TileGeometry;
import java.util.Map;

/**
 * The whole configuration, typed, validated and immutable. Built by {@link ConfigLoader} from
 * {@code conf/application.conf} plus overrides; see that file for what each setting means.
 */
public record SparksegConfig(String workDir, Data data, Tables tables, Folds folds, Tiles tiles,
    Demo demo, TrainConfig train, Tune tune, Predict predict, Spark spark) {

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

  /** The grid {@code tune} searches per class. */
  public record Tune(float[] thresholds, int[] minAreas) {
    public Tune {
      thresholds = thresholds.clone();
      minAreas = minAreas.clone();
    }
  }

  /**
   * The {@code predict} job's settings. Empty per-class lists mean "tuned on the run, else the
   * default rule"; {@code model} (a single model file) replaces the run's ensemble when set.
   */
  public record Predict(String runId, String model, String images, String imageGlob,
      String imagesTable, boolean flipTta, int batchSize, java.util.List<Float> thresholds,
      java.util.List<Integer> minAreas, java.util.List<Float> gate, String submission,
      io.sparkseg.core.severstal.Submission.Layout submissionLayout, int overlays,
      String overlaysDir, String truthCsv, int partitions) {
    public Predict {
      thresholds = java.util.List.copyOf(thresholds);
      minAreas = java.util.List.copyOf(minAreas);
      gate = java.util.List.copyOf(gate);
    }
  }

  /** Spark session settings. */
  public record Spark(String master, String appName, Map<String, String> conf) {
    public Spark {
      conf = Map.copyOf(conf);
    }
  }

  /** The same configuration with {@code predict.run-id} set (how run hands its trained run on). */
  public SparksegConfig withPredictRunId(String runId) {
    Predict p = predict;
    return new SparksegConfig(workDir, data, tables, folds, tiles, demo, train, tune,
        new Predict(runId, p.model(), p.images(), p.imageGlob(), p.imagesTable(), p.flipTta(),
            p.batchSize(), p.thresholds(), p.minAreas(), p.gate(), p.submission(),
            p.submissionLayout(), p.overlays(), p.overlaysDir(), p.truthCsv(), p.partitions()),
        spark);
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
