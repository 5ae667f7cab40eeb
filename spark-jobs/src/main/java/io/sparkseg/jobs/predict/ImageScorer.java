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

  ImageScorer(List<String> modelFiles, TileGeometry geometry, int classes,
      PostProcessor postProcessor, boolean flipTta, int batchSize,
      Map<String, String[]> overlayTruth, String overlayDir) {
    this.modelFiles = List.copyOf(modelFiles);
    this.geometry = geometry;
    this.classes = classes;
    this.postProcessor = postProcessor;
    this.flipTta = flipTta;
    this.batchSize = batchSize;
    this.overlayTruth = new java.util.HashMap<>(overlayTruth); // values may be null
    this.overlayDir = overlayDir;
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
    NDManager manager = ensemble.manager().newSubManager();
    if (tc != null) {
      tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> manager.close());
    }
    List<SegmentationPredictor> predictors = new ArrayList<>();
    for (int i = 0; i < ensemble.models().size(); i++) {
      ModelCard card = ensemble.cards().get(i);
      predictors.add(new SegmentationPredictor(ensemble.models().get(i), manager,
          new Normalization(card.normalizationMean(), card.normalizationStd()), batchSize,
          flipTta));
    }
    TiledEnsemble tiled = new TiledEnsemble(predictors, geometry, classes);
    int imagesPerBatch = Math.max(1, batchSize / geometry.tileCount());
    return new Iterator<>() {
      private final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && images.hasNext()) {
          scoreBatch(tiled, images, imagesPerBatch, ready, conf);
        }
        if (ready.isEmpty() && tc == null) {
          manager.close();
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
    while (rows.size() < n && images.hasNext()) {
      Row r = images.next();
      String id = r.getAs("image_id");
      String source = r.getAs("source_path");
      String hash = r.getAs("content_hash");
      beforeScoring.accept(id);
      try {
        Image8 img = ImageCodec.decode(r.getAs("content"));
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
      }
    }
    if (decoded.isEmpty()) {
      return;
    }
    List<float[][]> probabilities = tiled.probabilities(decoded);
    int h = geometry.imageHeight();
    int w = geometry.imageWidth();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String id = r.getAs("image_id");
      BinaryMask[] masks = postProcessor.apply(probabilities.get(i), h, w);
      for (int c = 0; c < classes; c++) {
        out.add(RowFactory.create(id, c + 1, Rle.encode(masks[c]), (long) masks[c].count(),
            PostProcessor.max(probabilities.get(i)[c]), r.getAs("content_hash"),
            r.getAs("source_path"), null, null));
      }
      if (overlayTruth.containsKey(id)) {
        writeOverlay(id, decoded.get(i), masks, conf);
      }
    }
  }

  private void writeOverlay(String id, Image8 image, BinaryMask[] masks, Configuration conf) {
    Path p = new Path(overlayDir, id.replaceAll("\\.[A-Za-z0-9]+$", "") + ".png");
    try {
      String[] truthRles = overlayTruth.get(id);
      BinaryMask[] truth = truthRles == null ? null : Submission.decode(truthRles,
          image.height(), image.width(), "truth of " + id);
      byte[] png = ImageCodec.encodePng(Overlay.render(image, masks, truth));
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
    return RowFactory.create(id, null, null, null, null, hash, source, reason.code(),
        source + ": " + detail);
  }
}
