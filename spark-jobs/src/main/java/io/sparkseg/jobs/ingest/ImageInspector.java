package io.sparkseg.jobs.ingest;

import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.image.ImageInfo;
import io.sparkseg.core.quality.QuarantineReason;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Turns {@code binaryFile} rows (path, modificationTime, length, content) into inspected image
 * rows: decoded fully with model-core's strict codec, size-checked, hashed; a failure becomes a
 * reason instead of an exception, so one bad file never stops the job.
 */
final class ImageInspector implements MapPartitionsFunction<Row, Row> {
  static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("source_path", DataTypes.StringType, false)
      .add("modified_at", DataTypes.TimestampType, true)
      .add("length", DataTypes.LongType, false)
      .add("content_hash", DataTypes.StringType, false)
      .add("format", DataTypes.StringType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("channels", DataTypes.IntegerType, true)
      .add("content", DataTypes.BinaryType, false)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final int expectedHeight;
  private final int expectedWidth;

  ImageInspector(int expectedHeight, int expectedWidth) {
    this.expectedHeight = expectedHeight;
    this.expectedWidth = expectedWidth;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> files) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return files.hasNext();
      }

      @Override
      public Row next() {
        return inspect(files.next());
      }
    };
  }

  private Row inspect(Row file) {
    String path = file.getString(file.fieldIndex("path"));
    byte[] content = (byte[]) file.get(file.fieldIndex("content"));
    Object modified = file.get(file.fieldIndex("modificationTime"));
    String id = path.substring(path.lastIndexOf('/') + 1);
    String hash = ContentHash.sha256(content);
    try {
      ImageInfo info = ImageCodec.inspect(content);
      String reason = null;
      String detail = null;
      if (info.height() != expectedHeight || info.width() != expectedWidth) {
        reason = QuarantineReason.WRONG_SIZE.code();
        detail = "image is " + info.height() + "x" + info.width() + ", expected "
            + expectedHeight + "x" + expectedWidth + " (sparkseg.data.image-height/-width)";
      }
      return RowFactory.create(id, path, modified, (long) content.length, hash, info.format(),
          info.height(), info.width(), info.channels(), content, reason, detail);
    } catch (ImageDecodeException e) {
      return RowFactory.create(id, path, modified, (long) content.length, hash, null, null, null,
          null, content, e.reason().code(), e.getMessage());
    }
  }
}
