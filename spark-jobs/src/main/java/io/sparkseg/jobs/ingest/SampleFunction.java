package io.sparkseg.jobs.ingest;

import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.scene.LabelDecoder;
import io.sparkseg.core.scene.Sample;
import io.sparkseg.core.scene.SampleReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One partition of (frame id, sequence, image path, label path or COCO JSON) pairs to sample
 * rows: both files are read here (Hadoop file systems, so s3a:// works), model-core's
 * {@link SampleReader} decodes and fits them, and the row holds the image at the model's size,
 * each class's mask as RLE and its pixel count. A pair that cannot be used gives one row with
 * its reason and a message naming the file.
 */
final class SampleFunction implements MapPartitionsFunction<Row, Row> {
  static final StructType PAIRS = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("sequence", DataTypes.StringType, false)
      .add("source_path", DataTypes.StringType, false)
      .add("label_path", DataTypes.StringType, false)
      .add("coco_json", DataTypes.StringType, true);

  /** A COCO annotation's own mask (null column for the other layouts). */
  static final StructType INSTANCE = new StructType()
      .add("annotation_id", DataTypes.LongType, false)
      .add("class_id", DataTypes.IntegerType, false)
      .add("crowd", DataTypes.BooleanType, false)
      .add("rle", DataTypes.StringType, false);

  static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("sequence", DataTypes.StringType, false)
      .add("source_path", DataTypes.StringType, false)
      .add("label_path", DataTypes.StringType, false)
      .add("content_hash", DataTypes.StringType, true)
      .add("label_hash", DataTypes.StringType, true)
      .add("source_height", DataTypes.IntegerType, true)
      .add("source_width", DataTypes.IntegerType, true)
      .add("resize", DataTypes.StringType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("content", DataTypes.BinaryType, true)
      .add("mask_rle", DataTypes.createArrayType(DataTypes.StringType, false), true)
      .add("mask_pixels", DataTypes.createArrayType(DataTypes.LongType, false), true)
      .add("ignored_pixels", DataTypes.LongType, true)
      .add("instances", DataTypes.createArrayType(INSTANCE, false), true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final SampleReader reader;
  private final int classes;
  private final Map<String, Integer> classOfCategory;
  private final boolean crowdIgnored;
  private final org.apache.spark.util.SerializableConfiguration hadoop;

  SampleFunction(SampleReader reader, int classes, Map<String, Integer> classOfCategory,
      boolean crowdIgnored, org.apache.hadoop.conf.Configuration hadoop) {
    this.reader = reader;
    this.classes = classes;
    this.classOfCategory = classOfCategory == null ? null : new java.util.HashMap<>(
        classOfCategory);
    this.crowdIgnored = crowdIgnored;
    this.hadoop = new org.apache.spark.util.SerializableConfiguration(hadoop);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> pairs) {
    List<Row> out = new ArrayList<>();
    while (pairs.hasNext()) {
      out.add(sample(pairs.next()));
    }
    return out.iterator();
  }

  private Row sample(Row pair) {
    String id = pair.getString(0);
    String sequence = pair.getString(1);
    String imagePath = pair.getString(2);
    String labelPath = pair.getString(3);
    String coco = pair.getString(4);
    String imageHash = null;
    String labelHash = null;
    try {
      byte[] image = read(imagePath);
      imageHash = ContentHash.sha256(image);
      Sample s;
      if (coco != null) {
        labelHash = ContentHash.sha256(coco.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        s = reader.readCoco(image, imagePath, coco, labelPath, classOfCategory, crowdIgnored);
      } else {
        byte[] label = read(labelPath);
        labelHash = ContentHash.sha256(label);
        s = reader.read(image, imagePath, label, labelPath);
      }
      // an image already at the model's size keeps its bytes; a fitted one is stored as PNG
      byte[] content = s.fit() == null ? image : ImageCodec.encodePng(s.image());
      int srcH = s.fit() == null ? s.image().height() : s.fit().srcHeight();
      int srcW = s.fit() == null ? s.image().width() : s.fit().srcWidth();
      return RowFactory.create(id, sequence, imagePath, labelPath, imageHash, labelHash, srcH,
          srcW, s.fit() == null ? null : s.fit().mode().name().toLowerCase(java.util.Locale.ROOT),
          s.image().height(), s.image().width(), content, s.rles(classes), s.pixels(classes),
          s.ignoredPixels(), coco == null ? null : s.instances().stream()
              .map(i -> RowFactory.create(i.annotationId(), i.classId(), i.crowd(), i.rle()))
              .toArray(Row[]::new), null, null);
    } catch (LabelDecoder.LabelException e) {
      return rejected(id, sequence, imagePath, labelPath, imageHash, labelHash,
          e.reason().code(), e.getMessage());
    } catch (java.io.FileNotFoundException e) {
      return rejected(id, sequence, imagePath, labelPath, imageHash, labelHash,
          io.sparkseg.core.quality.QuarantineReason.MISSING_IMAGE.code(),
          "listed, then gone: " + e.getMessage());
    } catch (IOException e) {
      return rejected(id, sequence, imagePath, labelPath, imageHash, labelHash,
          io.sparkseg.core.quality.QuarantineReason.CORRUPT_IMAGE.code(), "cannot be read: "
              + e.getMessage());
    }
  }

  private byte[] read(String location) throws IOException {
    return io.sparkseg.jobs.io.Inputs.readBytes(location, hadoop.value());
  }

  private static Row rejected(String id, String sequence, String image, String label,
      String imageHash, String labelHash, String reason, String detail) {
    return RowFactory.create(id, sequence, image, label, imageHash, labelHash, null, null, null,
        null, null, null, null, null, null, null, reason, detail);
  }
}
