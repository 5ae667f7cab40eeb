package io.sparkseg.core.config;

import io.sparkseg.core.tiling.TileGeometry;
import java.util.Map;

/**
 * The whole configuration, typed, validated and immutable. Built by {@link ConfigLoader} from
 * {@code conf/application.conf} plus overrides; see that file for what each setting means.
 */
public record SparksegConfig(String workDir, Data data, Tables tables, Folds folds, Tiles tiles,
    Demo demo, TrainConfig train, Tune tune, Predict predict, Spark spark, DatasetKind dataset,
    Photos photos, MultiClass multiClass) {

  /**
   * A name per class, class 1 first: the photo labels for person photos, the palette's names
   * for scenes, the category names for COCO, else "class N".
   */
  public java.util.List<String> classNames() {
    if (dataset.multiClass() && multiClass.decoder() != null) {
      return multiClass.classNames();
    }
    java.util.List<String> names = new java.util.ArrayList<>();
    for (int c = 1; c <= data.classes(); c++) {
      names.add(dataset == DatasetKind.PERSON_PHOTOS ? photos.labelOf(c) : "class " + c);
    }
    return names;
  }

  /** The data families sparkseg reads ({@code sparkseg.dataset.kind}). */
  public enum DatasetKind {
    /** Kaggle Severstal layout: images + train.csv (RLE); ingest writes images and masks. */
    SEVERSTAL("severstal"),
    /** Photos of people + a Label Studio export; smart-crop writes the crops table. */
    PERSON_PHOTOS("person-photos"),
    /** Driving sequences: Images/<seq>/ + RGB palette Labels/<seq>/; ingest writes samples. */
    SCENE("scene"),
    /** images/ + masks/ of class indices (grey or palette PNGs); ingest writes samples. */
    PNG_MASKS("png-masks"),
    /** images/ + a COCO instances JSON; ingest writes samples. */
    COCO("coco");

    private final String code;

    DatasetKind(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }

    /** One class per pixel (softmax models, class maps): scene, png-masks, coco. */
    public boolean multiClass() {
      return this == SCENE || this == PNG_MASKS || this == COCO;
    }

    public static DatasetKind of(String code) {
      for (DatasetKind k : values()) {
        if (k.code.equals(code)) {
          return k;
        }
      }
      throw new IllegalArgumentException("expected one of severstal, person-photos, scene, "
          + "png-masks, coco but got '" + code + "'");
    }
  }

  /**
   * The person-photo family: photos and their Label Studio export, label names to class ids, the
   * person detector, the region of interest, what happens when nobody is found, and the
   * thresholds predict scans (highest first) before reporting "no patch detected".
   */
  public record Photos(String images, String annotations, Map<String, Integer> labels,
      String testAnnotations, String masksDir, Detector detector,
      io.sparkseg.core.detect.Roi roi, io.sparkseg.core.detect.Roi.Fallback fallback,
      java.util.List<Float> scanThresholds, int demoTrainPhotos, int demoTestPhotos,
      String demoBase) implements java.io.Serializable {
    public Photos {
      labels = Map.copyOf(labels);
      scanThresholds = java.util.List.copyOf(scanThresholds);
    }

    /** Label names by class id (1..classes). */
    public String labelOf(int classId) {
      return labels.entrySet().stream().filter(e -> e.getValue() == classId)
          .map(Map.Entry::getKey).findFirst().orElse("class" + classId);
    }
  }

  /**
   * The person detector: {@code hog} (OpenCV, no weights) or {@code yolo-seg} (an ultralytics
   * export at {@code model}: .onnx or .torchscript, local or a Hadoop URI).
   */
  public record Detector(String kind, String model, io.sparkseg.core.detect.YoloSeg yolo,
      io.sparkseg.core.detect.HogPeople hog) implements java.io.Serializable {
    /** What the crops table records and what makes re-runs skip: every setting that matters. */
    public String settingsKey(io.sparkseg.core.detect.Roi roi,
        io.sparkseg.core.detect.Roi.Fallback fallback) {
      String d = kind.equals("hog") ? "hog " + hog : "yolo-seg " + model + " " + yolo;
      return d + " | " + roi + " | fallback " + fallback.code();
    }
  }

  /**
   * Input data locations and the expected image geometry; {@code resize} (multi-class families)
   * fits images of another size to it, null = they are quarantined as wrong-size.
   */
  public record Data(String dir, String trainImages, String trainCsv, String testImages,
      String imageGlob, int imageHeight, int imageWidth, int classes,
      io.sparkseg.core.geometry.Fit.Mode resize) {}

  /**
   * The multi-class families ({@code dataset.kind} scene, png-masks, coco): where the labels of
   * {@code data.train-images} are, which sequences count, how labels encode classes, the labels
   * of the images to predict (scored when set), where predicted class maps go, and COCO's
   * annotation file, category to class mapping and crowd handling.
   */
  public record MultiClass(String labels, java.util.Set<String> include,
      io.sparkseg.core.scene.LabelDecoder decoder, String testLabels, String classMapsDir,
      String cocoAnnotations, java.util.List<String> cocoCategories, boolean cocoCrowdIgnored)
      implements java.io.Serializable {
    public MultiClass {
      include = java.util.Set.copyOf(include);
      cocoCategories = java.util.List.copyOf(cocoCategories);
    }

    /** Class names, class 1 (index 0) first. */
    public java.util.List<String> classNames() {
      return cocoCategories.isEmpty() ? decoder.classNames() : cocoCategories;
    }
  }

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

  /** Generated demo data set (Severstal-like images; {@code scene}: driving sequences). */
  public record Demo(int trainImages, int testImages, double cleanFraction, long seed,
      SceneDemo scene) {}

  /** The generated scene demo: sequences for training and held out, frames per sequence. */
  public record SceneDemo(int trainSequences, int testSequences, int frames) {}

  /** The scene demo's size. */
  public SceneDemo sceneDemo() {
    return demo.scene();
  }

  /** The grid {@code tune} searches per class (a maximum area of 0 = no maximum). */
  public record Tune(float[] thresholds, int[] minAreas, int[] maxAreas)
      implements java.io.Serializable {
    public Tune {
      thresholds = thresholds.clone();
      minAreas = minAreas.clone();
      maxAreas = maxAreas.clone();
    }
  }

  /**
   * The {@code predict} job's settings. Empty per-class lists mean "tuned on the run, else the
   * default rule"; {@code model} (a single model file) replaces the run's ensemble when set.
   */
  public record Predict(String runId, String model, String images, String imageGlob,
      String imagesTable, boolean flipTta, int batchSize, java.util.List<Float> thresholds,
      java.util.List<Integer> minAreas, java.util.List<Integer> maxAreas,
      java.util.List<Float> gate, java.util.List<Integer> foldMaxClasses, String submission,
      io.sparkseg.core.severstal.Submission.Layout submissionLayout, int overlays,
      String overlaysDir, String truthCsv, int partitions, long archiveEntryMaxBytes,
      long archiveSliceBytes) {
    public Predict {
      thresholds = java.util.List.copyOf(thresholds);
      minAreas = java.util.List.copyOf(minAreas);
      maxAreas = java.util.List.copyOf(maxAreas);
      gate = java.util.List.copyOf(gate);
      foldMaxClasses = java.util.List.copyOf(foldMaxClasses);
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
            p.batchSize(), p.thresholds(), p.minAreas(), p.maxAreas(), p.gate(),
            p.foldMaxClasses(), p.submission(),
            p.submissionLayout(), p.overlays(), p.overlaysDir(), p.truthCsv(), p.partitions(),
            p.archiveEntryMaxBytes(), p.archiveSliceBytes()),
        spark, dataset, photos, multiClass);
  }

  /** The demo data set at the configured image size. */
  public io.sparkseg.core.demo.DemoDataset demoDataset() {
    return new io.sparkseg.core.demo.DemoDataset(demo.trainImages(), demo.testImages(),
        data.imageHeight(), data.imageWidth(), demo.cleanFraction(), demo.seed());
  }

  /** Tiles per forward pass of predict: the setting, or (0) the auto choice for the device. */
  public int predictBatchSize(boolean gpu) {
    return predict.batchSize() > 0 ? predict.batchSize()
        : io.sparkseg.core.infer.TiledEnsemble.autoBatch(gpu, tiles.height(), tiles.width());
  }

  /** Tiling of the configured image size. */
  public TileGeometry tileGeometry() {
    return new TileGeometry(data.imageHeight(), data.imageWidth(), tiles.height(), tiles.width(),
        tiles.stride());
  }
}
