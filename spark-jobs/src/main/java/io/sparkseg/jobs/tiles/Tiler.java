package io.sparkseg.jobs.tiles;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.rle.RleException;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One image row (with its fold and its list of (class_id, rle) masks) to its tiles: lossless
 * PNG crops (1 channel when the image is grey, as Severstal's are) and per-class tile masks as
 * RLE in tile coordinates. An image that cannot be tiled gives one row with a reason instead.
 */
final class Tiler implements FlatMapFunction<Row, Row> {
  static final StructType SCHEMA = new StructType()
      .add("tile_id", DataTypes.StringType, true)
      .add("image_id", DataTypes.StringType, false)
      .add("fold", DataTypes.IntegerType, false)
      .add("tile_index", DataTypes.IntegerType, true)
      .add("y", DataTypes.IntegerType, true)
      .add("x", DataTypes.IntegerType, true)
      .add("height", DataTypes.IntegerType, true)
      .add("width", DataTypes.IntegerType, true)
      .add("channels", DataTypes.IntegerType, true)
      .add("content", DataTypes.BinaryType, true)
      .add("mask_rle", DataTypes.createArrayType(DataTypes.StringType, false), true)
      .add("mask_pixels", DataTypes.createArrayType(DataTypes.LongType, false), true)
      .add("source_path", DataTypes.StringType, false)
      .add("content_hash", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final TileGeometry geometry;
  private final int classes;

  Tiler(TileGeometry geometry, int classes) {
    this.geometry = geometry;
    this.classes = classes;
  }

  @Override
  public Iterator<Row> call(Row image) {
    String imageId = image.getAs("image_id");
    int fold = image.getAs("fold");
    String source = image.getAs("source_path");
    String hash = image.getAs("content_hash");
    List<Row> out = new ArrayList<>();
    try {
      Image8 img = ImageCodec.decode(image.getAs("content"));
      if (img.height() != geometry.imageHeight() || img.width() != geometry.imageWidth()) {
        return rejected(imageId, fold, source, hash, QuarantineReason.WRONG_SIZE,
            "image is " + img.height() + "x" + img.width() + ", tiling expects "
                + geometry.imageHeight() + "x" + geometry.imageWidth());
      }
      if (img.channels() == 3 && img.isGrey()) {
        img = img.firstChannel();
      }
      BinaryMask[] masks = new BinaryMask[classes];
      List<Row> maskRows = image.getList(image.fieldIndex("masks"));
      if (maskRows != null) {
        for (Row m : maskRows) {
          int c = m.getInt(0);
          masks[c - 1] = Rle.decode(m.getString(1), img.height(), img.width());
        }
      }
      for (Tile t : geometry.tiles()) {
        String[] rle = new String[classes];
        long[] pixels = new long[classes];
        for (int c = 0; c < classes; c++) {
          BinaryMask crop = masks[c] == null ? null : masks[c].crop(t.y(), t.x(), t.height(),
              t.width());
          rle[c] = crop == null ? "" : Rle.encode(crop);
          pixels[c] = crop == null ? 0L : crop.count();
        }
        Image8 crop = img.crop(t.y(), t.x(), t.height(), t.width());
        out.add(RowFactory.create(imageId + "_" + t.index(), imageId, fold, t.index(), t.y(),
            t.x(), t.height(), t.width(), crop.channels(), ImageCodec.encodePng(crop),
            rle, pixels, source, hash, null, null));
      }
      return out.iterator();
    } catch (ImageDecodeException e) {
      return rejected(imageId, fold, source, hash, e.reason(), e.getMessage());
    } catch (RleException e) {
      return rejected(imageId, fold, source, hash, e.reason(), e.getMessage());
    }
  }

  private static Iterator<Row> rejected(String imageId, int fold, String source, String hash,
      QuarantineReason reason, String detail) {
    return List.of(RowFactory.create(null, imageId, fold, null, null, null, null, null, null,
        null, null, null, source, hash, reason.code(), detail)).iterator();
  }
}
