package io.sparkseg.jobs.predict;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.infer.PostProcessor;
import io.sparkseg.core.infer.TiledEnsemble;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.severstal.Submission;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.core.train.Normalization;
import io.sparkseg.core.viz.Overlay;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Scores one partition of images, the pattern of DJL's Spark extension: the ensemble comes from
 * the executor's {@link ModelCache} (loaded once per JVM), the partition gets its own
 * predictors and NDManager, and images go through in batches of
 * {@code batchSize / tiles-per-image} images. Each image gives one row per class (its RLE,
 * empty for no defect), or one row with a quarantine reason when it cannot be decoded or has the
 * wrong size. Images named in {@code overlayTruth} also get a PNG overlay written.
 */
final class ImageScorer implements MapPartitionsFunction<Row, Row> {
  static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("class_id", DataTypes.IntegerType, true)
      .add("rle", DataTypes.StringType, true)
      .add("pixel_count", DataTypes.LongType, true)
      .add("max_probability", DataTypes.FloatType, true)
      .add("content_hash", DataTypes.StringType, true)
      .add("source_path", DataTypes.StringType, false)
      .add("height", DataTypes.IntegerType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("threshold", DataTypes.FloatType, true)
      .add("detector", DataTypes.StringType, true)
      .add("fallback", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  /**
   * Test seam, local mode only (executors there share the test's JVM): called with each image
   * id before it is scored; throwing simulates a task failure.
   */
  static volatile Consumer<String> beforeScoring = id -> {};

  private final List<String> modelFiles;
  private final TileGeometry geometry;
  private final int classes;
  private final PostProcessor postProcessor;
  private final boolean flipTta;
  private final int batchSize;
  /** Images to draw overlays of, with their truth RLEs (entries may be null = unknown). */
  private final Map<String, String[]> overlayTruth;
  private final String overlayDir;
  /** Person photos: detect and crop before scoring, map masks back (null for Severstal). */
  private final io.sparkseg.core.config.SparksegConfig.Photos photos;
  private final String masksDir;
  private transient io.sparkseg.core.detect.PhotoCropper cropper;
  /** Multi-class families: class maps instead of thresholded masks (null otherwise). */
  private ClassMapOutput classMaps;

  /**
   * Where and how class maps are written: label files encoded by {@code decoder} under
   * {@code dir} (relative id + ".png"), images of another size fitted by {@code resize} (null:
   * quarantined as wrong-size), truth outlines on overlays from {@code truthDir} when set.
   */
  record ClassMapOutput(io.sparkseg.core.scene.LabelDecoder decoder,
      io.sparkseg.core.geometry.Fit.Mode resize, String dir, String truthDir,
      List<String> names) implements java.io.Serializable {}

  private List<String> classNames;

  /** The class names the overlays' legends show (default "class 1", "class 2", ...). */
  ImageScorer withClassNames(List<String> names) {
    this.classNames = new ArrayList<>(names);
    return this;
  }

  private List<Integer> foldMaxClasses = List.of();

  /** Classes (1-based) whose folds are combined by their maximum ({@link TiledEnsemble}). */
  ImageScorer withFoldMaxClasses(List<Integer> classes) {
    this.foldMaxClasses = List.copyOf(classes);
    return this;
  }

  /** This scorer writing class maps (softmax models of the multi-class families). */
  ImageScorer withClassMaps(ClassMapOutput output) {
    this.classMaps = output;
    return this;
  }

  ImageScorer(List<String> modelFiles, TileGeometry geometry, int classes,
      PostProcessor postProcessor, boolean flipTta, int batchSize,
      Map<String, String[]> overlayTruth, String overlayDir) {
    this(modelFiles, geometry, classes, postProcessor, flipTta, batchSize, overlayTruth,
        overlayDir, null, null);
  }

  /**
   * With {@code photos} set, each photo is first cut to its person's square (the detector and
   * ROI of smart-crop), scored there, thresholded by the adaptive scan of
   * {@code photos.scanThresholds} with each class's area bounds and gate
   * ({@link PostProcessor#scan}; no threshold = an empty "nothing detected" row), and its
   * masks mapped back onto the photo and written as PNGs under {@code masksDir}.
   */
  ImageScorer(List<String> modelFiles, TileGeometry geometry, int classes,
      PostProcessor postProcessor, boolean flipTta, int batchSize,
      Map<String, String[]> overlayTruth, String overlayDir,
      io.sparkseg.core.config.SparksegConfig.Photos photos, String masksDir) {
    this.modelFiles = List.copyOf(modelFiles);
    this.geometry = geometry;
    this.classes = classes;
    this.postProcessor = postProcessor;
    this.flipTta = flipTta;
    this.batchSize = batchSize;
    this.overlayTruth = new java.util.HashMap<>(overlayTruth); // values may be null
    this.overlayDir = overlayDir;
    this.photos = photos;
    this.masksDir = masksDir;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> images) {
    if (!images.hasNext()) {
      return java.util.Collections.emptyIterator();
    }
    Configuration conf = SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf());
    Device device = Device.cpu();
    TaskContext tc = TaskContext.get();
    if (tc != null && tc.resources().contains("gpu")) {
      ResourceInformation gpu = tc.resources().get("gpu").get();
      device = Engines.device(gpu.addresses()[0]);
    }
    ModelCache.Ensemble ensemble = ModelCache.get(modelFiles, device, conf);
    NDManager manager = ensemble.manager() == null ? null : ensemble.manager().newSubManager();
    if (tc != null && manager != null) {
      tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> manager.close());
    }
    // 0 = auto: small batches on a CPU (large ones of large tiles are slower), 12 on a GPU
    int batchSize = this.batchSize > 0 ? this.batchSize : TiledEnsemble.autoBatch(
        !device.equals(Device.cpu()), geometry.tileHeight(), geometry.tileWidth());
    List<io.sparkseg.core.infer.ProbabilityModel> predictors = new ArrayList<>();
    if (ensemble.onnx() != null) {
      predictors.add(ensemble.onnx().newPredictor(batchSize, flipTta));
    }
    for (int i = 0; i < ensemble.models().size(); i++) {
      ModelCard card = ensemble.cards().get(i);
      predictors.add(new SegmentationPredictor(ensemble.models().get(i), manager,
          new Normalization(card.normalizationMean(), card.normalizationStd()), batchSize,
          flipTta));
    }
    TiledEnsemble tiled = new TiledEnsemble(predictors, geometry, classes, foldMaxClasses);
    if (photos != null) {
      cropper = new io.sparkseg.core.detect.PhotoCropper(
          io.sparkseg.jobs.crop.DetectorCache.get(photos.detector(), conf), photos.roi(),
          photos.fallback());
    }
    int imagesPerBatch = Math.max(1, batchSize / geometry.tileCount());
    return new Iterator<>() {
      private final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && images.hasNext()) {
          scoreBatch(tiled, images, imagesPerBatch, ready, conf);
        }
        if (ready.isEmpty() && tc == null && manager != null) {
          manager.close();
        }
        if (ready.isEmpty() && cropper != null) {
          cropper.close();
          cropper = null;
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  private void scoreBatch(TiledEnsemble tiled, Iterator<Row> images, int n,
      java.util.ArrayDeque<Row> out, Configuration conf) {
    List<Row> rows = new ArrayList<>();
    List<Image8> decoded = new ArrayList<>();
    List<Image8> photosOf = new ArrayList<>();
    List<io.sparkseg.core.detect.PhotoCropper.Crop> crops = new ArrayList<>();
    List<io.sparkseg.core.geometry.Fit> fits = new ArrayList<>();
    while (rows.size() < n && images.hasNext()) {
      Row r = images.next();
      String id = r.getAs("image_id");
      String source = r.getAs("source_path");
      String hash = r.getAs("content_hash");
      beforeScoring.accept(id);
      try {
        Image8 img = ImageCodec.decode(r.getAs("content"));
        if (photos != null) {
          io.sparkseg.core.detect.PhotoCropper.Crop c = cropper.crop(img);
          rows.add(r);
          photosOf.add(img);
          crops.add(c);
          decoded.add(c.image());
          continue;
        }
        if (classMaps != null) {
          io.sparkseg.core.geometry.Fit fit = null;
          Image8 canvas = img;
          if (img.height() != geometry.imageHeight() || img.width() != geometry.imageWidth()) {
            if (classMaps.resize() == null) {
              out.add(rejected(id, hash, source, QuarantineReason.WRONG_SIZE, "image is "
                  + img.height() + "x" + img.width() + ", the models take "
                  + geometry.imageHeight() + "x" + geometry.imageWidth()
                  + " (set sparkseg.data.resize to stretch, letterbox or crop to fit it)"));
              continue;
            }
            fit = io.sparkseg.core.geometry.Fit.of(classMaps.resize(), img.height(),
                img.width(), geometry.imageHeight(), geometry.imageWidth());
            canvas = fit.apply(img, 0);
          }
          rows.add(r);
          photosOf.add(img);
          fits.add(fit);
          decoded.add(canvas.channels() == 3 && canvas.isGrey() ? canvas.firstChannel()
              : canvas);
          continue;
        }
        if (img.height() != geometry.imageHeight() || img.width() != geometry.imageWidth()) {
          out.add(rejected(id, hash, source, QuarantineReason.WRONG_SIZE, "image is "
              + img.height() + "x" + img.width() + ", the models expect "
              + geometry.imageHeight() + "x" + geometry.imageWidth()
              + " (sparkseg.data.image-height/-width)"));
          continue;
        }
        if (img.channels() == 3 && img.isGrey()) {
          img = img.firstChannel(); // as training saw it (the tiles of grey images are grey)
        }
        rows.add(r);
        decoded.add(img);
      } catch (ImageDecodeException e) {
        out.add(rejected(id, hash, source, e.reason(), e.getMessage()));
      } catch (io.sparkseg.core.detect.PhotoCropper.NoPersonException e) {
        out.add(rejected(id, hash, source, e.reason(), e.getMessage()));
      }
    }
    if (decoded.isEmpty()) {
      return;
    }
    List<float[][]> probabilities = tiled.probabilities(decoded);
    if (classMaps != null) {
      for (int i = 0; i < rows.size(); i++) {
        classMapRows(rows.get(i), photosOf.get(i), fits.get(i), probabilities.get(i), out, conf);
      }
      return;
    }
    if (photos != null) {
      for (int i = 0; i < rows.size(); i++) {
        photoRows(rows.get(i), photosOf.get(i), crops.get(i), probabilities.get(i), out, conf);
      }
      return;
    }
    int h = geometry.imageHeight();
    int w = geometry.imageWidth();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String id = r.getAs("image_id");
      BinaryMask[] masks = postProcessor.apply(probabilities.get(i), h, w);
      for (int c = 0; c < classes; c++) {
        out.add(RowFactory.create(id, c + 1, Rle.encode(masks[c]), (long) masks[c].count(),
            PostProcessor.max(probabilities.get(i)[c]), r.getAs("content_hash"),
            r.getAs("source_path"), h, w, postProcessor.rules().get(c).threshold(), null, null,
            null, null));
      }
      if (overlayTruth.containsKey(id)) {
        writeOverlay(id, decoded.get(i), masks, conf);
      }
    }
  }

  /**
   * An image's class map: the argmax of the ensemble's softmax probabilities, back at the
   * image's size, written as a label file (palette colours or class indices); one row per class
   * (its pixels as RLE at the image's size) and, when asked, an overlay with a legend.
   */
  private void classMapRows(Row r, Image8 image, io.sparkseg.core.geometry.Fit fit,
      float[][] probabilities, java.util.ArrayDeque<Row> out, Configuration conf) {
    String id = r.getAs("image_id");
    int h = geometry.imageHeight();
    int w = geometry.imageWidth();
    io.sparkseg.core.scene.ClassMap canvas = io.sparkseg.core.scene.ClassMap.argmax(
        probabilities, h, w);
    io.sparkseg.core.scene.ClassMap map = fit == null ? canvas : fit.toSourceFilled(canvas);
    write(new Path(classMaps.dir(), id + ".png"), classMaps.decoder().encode(map), conf);
    long[] counts = map.histogram();
    for (int c = 0; c < classes; c++) {
      BinaryMask m = map.mask(c);
      out.add(RowFactory.create(id, c + 1, counts[c] == 0 ? "" : Rle.encode(m), counts[c],
          PostProcessor.max(probabilities[c]), r.getAs("content_hash"), r.getAs("source_path"),
          map.height(), map.width(), null, null, null, null, null));
    }
    if (overlayTruth.containsKey(id)) {
      io.sparkseg.core.scene.ClassMap truth = null;
      if (classMaps.truthDir() != null && !classMaps.truthDir().isEmpty()) {
        Path t = new Path(classMaps.truthDir(), id + ".png");
        try (java.io.InputStream in = t.getFileSystem(conf).open(t)) {
          truth = classMaps.decoder().decode(in.readAllBytes(), t.toString());
          if (truth.height() != map.height() || truth.width() != map.width()) {
            truth = null;
          }
        } catch (IOException | io.sparkseg.core.scene.LabelDecoder.LabelException e) {
          truth = null; // the outline is a help, not a requirement
        }
      }
      Path p = new Path(overlayDir, id + ".png");
      try (OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p, conf)) {
        o.write(ImageCodec.encodePng(io.sparkseg.core.viz.ClassMapOverlay.render(image, map,
            truth, classMaps.decoder().colours(), classMaps.names())));
      } catch (IOException e) {
        System.err.println("sparkseg predict: cannot write the overlay " + p + ": "
            + e.getMessage());
      }
    }
  }

  /** A photo's rows: adaptive scan on the crop, masks mapped back, mask PNGs and overlay. */
  private void photoRows(Row r, Image8 photo, io.sparkseg.core.detect.PhotoCropper.Crop crop,
      float[][] probabilities, java.util.ArrayDeque<Row> out, Configuration conf) {
    String id = r.getAs("image_id");
    int size = geometry.imageHeight();
    float[] scan = new float[photos.scanThresholds().size()];
    for (int k = 0; k < scan.length; k++) {
      scan[k] = photos.scanThresholds().get(k);
    }
    BinaryMask[] onPhoto = new BinaryMask[classes];
    io.sparkseg.core.infer.PostProcessing.Scan[] scans = postProcessor.scan(probabilities, size,
        size, scan);
    for (int c = 0; c < classes; c++) {
      io.sparkseg.core.infer.PostProcessing.Scan s = scans[c];
      onPhoto[c] = crop.transform().maskToPhoto(s.mask());
      out.add(RowFactory.create(id, c + 1, Rle.encode(onPhoto[c]), (long) onPhoto[c].count(),
          PostProcessor.max(probabilities[c]), r.getAs("content_hash"), r.getAs("source_path"),
          photo.height(), photo.width(), s.found() ? s.threshold() : null, crop.detector(),
          crop.fallback(), null, null));
      String stem = id.replaceAll("\\.[A-Za-z0-9]+$", "");
      write(new Path(masksDir, stem + "_" + photos.labelOf(c + 1) + ".png"),
          ImageCodec.encodePng(io.sparkseg.core.labelstudio.LabelStudioMasks.toImage(onPhoto[c],
              photo.height(), photo.width())), conf);
    }
    if (overlayTruth.containsKey(id)) {
      writeOverlay(id, photo, onPhoto, conf);
    }
  }

  private static void write(Path p, byte[] bytes, Configuration conf) {
    try (OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p, conf)) {
      o.write(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
    }
  }

  private void writeOverlay(String id, Image8 image, BinaryMask[] masks, Configuration conf) {
    Path p = new Path(overlayDir, id.replaceAll("\\.[A-Za-z0-9]+$", "") + ".png");
    try {
      String[] truthRles = overlayTruth.get(id);
      BinaryMask[] truth = truthRles == null ? null : Submission.decode(truthRles,
          image.height(), image.width(), "truth of " + id);
      List<String> names = classNames;
      if (names == null || names.size() != masks.length) {
        names = new ArrayList<>();
        for (int c = 1; c <= masks.length; c++) {
          names.add("class " + c);
        }
      }
      byte[] png = ImageCodec.encodePng(Overlay.forPeople(image, masks, truth, names));
      try (OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p, conf)) {
        o.write(png);
      }
    } catch (IOException e) {
      // an overlay is a picture for people; failing to write one must not fail the scoring
      System.err.println("sparkseg predict: cannot write the overlay " + p + ": " + e.getMessage());
    }
  }

  private static Row rejected(String id, String hash, String source, QuarantineReason reason,
      String detail) {
    return RowFactory.create(id, null, null, null, null, hash, source, null, null, null, null,
        null, reason.code(), source + ": " + detail);
  }
}
