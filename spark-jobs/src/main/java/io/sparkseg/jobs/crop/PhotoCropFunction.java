package io.sparkseg.jobs.crop;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.detect.Detection;
import io.sparkseg.core.detect.PhotoCropper;
import io.sparkseg.core.geometry.SquareCrop;
import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.labelstudio.LabelStudioException;
import io.sparkseg.core.labelstudio.LabelStudioExport;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.rle.Rle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Photo + its Label Studio task → one row: the crop (status {@code cropped}), {@code skipped}
 * when the same photo, task and settings were cropped before, or a reason. The photo is decoded,
 * the task's masks drawn at photo size, the person detected (detector loaded once per JVM, one
 * detector per partition), and image and masks cut to the square and resized. The photo's bytes
 * do not leave this function.
 */
final class PhotoCropFunction implements MapPartitionsFunction<Row, Row> {
  static final StructType SCHEMA = new StructType()
      .add("status", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, false)
      .add("source_path", DataTypes.StringType, false)
      .add("content_hash", DataTypes.StringType, true)
      .add("modified_at", DataTypes.TimestampType, true)
      .add("photo_height", DataTypes.IntegerType, true)
      .add("photo_width", DataTypes.IntegerType, true)
      .add("crop_x", DataTypes.IntegerType, true)
      .add("crop_y", DataTypes.IntegerType, true)
      .add("crop_side", DataTypes.IntegerType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("channels", DataTypes.IntegerType, true)
      .add("content", DataTypes.BinaryType, true)
      .add("mask_rle", DataTypes.createArrayType(DataTypes.StringType, false), true)
      .add("mask_pixels", DataTypes.createArrayType(DataTypes.LongType, false), true)
      .add("detector", DataTypes.StringType, true)
      .add("detector_score", DataTypes.DoubleType, true)
      .add("person_box", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add("fallback", DataTypes.StringType, true)
      .add("settings_hash", DataTypes.StringType, false)
      .add("task_id", DataTypes.StringType, true)
      .add("task_position", DataTypes.IntegerType, true)
      .add("task_hash", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final SparksegConfig.Photos photos;
  private final int classes;
  private final String settingsHash;
  private final Set<String> done;
  private final SerializableConfiguration hadoop;

  /**
   * @param done keys {@code image_id|content_hash|task_hash} already cropped with these settings
   */
  PhotoCropFunction(SparksegConfig.Photos photos, int classes, String settingsHash,
      Set<String> done, Configuration hadoop) {
    this.photos = photos;
    this.classes = classes;
    this.settingsHash = settingsHash;
    this.done = done;
    this.hadoop = new SerializableConfiguration(hadoop);
  }

  static String doneKey(String imageId, String contentHash, String taskHash) {
    return imageId + "|" + contentHash + "|" + taskHash;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    PhotoCropper cropper = null;
    try {
      while (rows.hasNext()) {
        Row r = rows.next();
        if (cropper == null) {
          cropper = new PhotoCropper(DetectorCache.get(photos.detector(), hadoop.value()),
              photos.roi(), photos.fallback());
        }
        out.add(crop(r, cropper));
      }
    } finally {
      if (cropper != null) {
        cropper.close();
      }
    }
    return out.iterator();
  }

  private Row crop(Row r, PhotoCropper cropper) {
    String id = r.getAs("image_id");
    String path = r.getAs("source_path");
    Object modified = r.getAs("modified_at");
    byte[] content = r.getAs("content");
    String taskJson = r.getAs("task_json");
    int position = r.<Integer>getAs("task_position");
    String taskId = r.getAs("task_id");
    String hash = ContentHash.sha256(content);
    String taskHash = ContentHash.sha256(taskJson.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String task = "task " + (taskId == null ? "#" + position : taskId);
    if (done.contains(doneKey(id, hash, taskHash))) {
      return row("skipped", id, path, hash, modified, null, null, null, null, null, taskId,
          position, taskHash, null, null);
    }
    try {
      Image8 photo = ImageCodec.decode(content);
      LabelStudioExport.Task parsed = LabelStudioExport.parseTask(
          new LabelStudioExport.RawTask(position - 1, taskJson), photos.labels());
      if (parsed.height() >= 0 && (parsed.height() != photo.height()
          || parsed.width() != photo.width())) {
        return reject(id, path, hash, modified, taskId, position, taskHash,
            QuarantineReason.WRONG_SIZE, task + ": the photo is " + photo.width() + "x"
                + photo.height() + " but annotated as " + parsed.width() + "x" + parsed.height());
      }
      PhotoCropper.Crop c = cropper.crop(photo);
      SquareCrop t = c.transform();
      String[] rle = new String[classes];
      long[] pixels = new long[classes];
      for (int k = 0; k < classes; k++) {
        BinaryMask m = parsed.masks().get(k + 1);
        BinaryMask onCrop = m == null ? null : t.maskToCrop(m);
        rle[k] = onCrop == null ? "" : Rle.encode(onCrop);
        pixels[k] = onCrop == null ? 0 : onCrop.count();
      }
      Detection p = c.person();
      return row("cropped", id, path, hash, modified, photo, t, c.image(), rle, pixels, taskId,
          position, taskHash, null, null, c.detector(), p == null ? null : (double) p.score(),
          p == null ? null : new double[] {p.x1(), p.y1(), p.x2(), p.y2()}, c.fallback());
    } catch (ImageDecodeException e) {
      return reject(id, path, hash, modified, taskId, position, taskHash, e.reason(),
          path + ": " + e.getMessage());
    } catch (LabelStudioException e) {
      return reject(id, path, hash, modified, taskId, position, taskHash, e.reason(),
          e.getMessage());
    } catch (PhotoCropper.NoPersonException e) {
      return reject(id, path, hash, modified, taskId, position, taskHash, e.reason(),
          path + ": " + e.getMessage());
    }
  }

  private Row reject(String id, String path, String hash, Object modified, String taskId,
      int position, String taskHash, QuarantineReason reason, String detail) {
    return row("quarantined", id, path, hash, modified, null, null, null, null, null, taskId,
        position, taskHash, reason.code(), detail);
  }

  private Row row(String status, String id, String path, String hash, Object modified,
      Image8 photo, SquareCrop t, Image8 crop, String[] rle, long[] pixels, String taskId,
      int position, String taskHash, String reason, String detail) {
    return row(status, id, path, hash, modified, photo, t, crop, rle, pixels, taskId, position,
        taskHash, reason, detail, null, null, null, null);
  }

  private Row row(String status, String id, String path, String hash, Object modified,
      Image8 photo, SquareCrop t, Image8 crop, String[] rle, long[] pixels, String taskId,
      int position, String taskHash, String reason, String detail, String detector,
      Double score, double[] box, String fallback) {
    return RowFactory.create(status, id, path, hash, modified,
        photo == null ? null : photo.height(), photo == null ? null : photo.width(),
        t == null ? null : t.x0(), t == null ? null : t.y0(), t == null ? null : t.side(),
        crop == null ? null : crop.height(), crop == null ? null : crop.width(),
        crop == null ? null : crop.channels(),
        crop == null ? null : ImageCodec.encodePng(crop), rle, pixels, detector, score, box,
        fallback, settingsHash, taskId, position, taskHash, reason, detail);
  }
}
