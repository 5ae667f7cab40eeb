package io.sparkseg.jobs.tiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.tiling.TileGeometry;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The tile step's own quarantine path: images that cannot be tiled give one reasoned row. */
class TilerTest {
  private static final StructType MASK = new StructType()
      .add("class_id", DataTypes.IntegerType).add("rle", DataTypes.StringType);
  private static final StructType INPUT = new StructType()
      .add("image_id", DataTypes.StringType).add("source_path", DataTypes.StringType)
      .add("content_hash", DataTypes.StringType).add("content", DataTypes.BinaryType)
      .add("fold", DataTypes.IntegerType)
      .add("masks", DataTypes.createArrayType(MASK));
  private final Tiler tiler = new Tiler(new TileGeometry(32, 96, 32, 48, 24), 4);

  private List<Row> tile(byte[] content, List<Row> masks) {
    Row in = new GenericRowWithSchema(new Object[] {"a.png", "/d/a.png", "h", content, 2,
        masks == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(masks).toSeq()},
        INPUT);
    List<Row> out = new ArrayList<>();
    tiler.call(in).forEachRemaining(out::add);
    return out;
  }

  private static byte[] png(int h, int w) {
    return ImageCodec.encodePng(new Image8(h, w, 1, new byte[h * w]));
  }

  @Test
  void validImageGivesEveryTileWithMasks() {
    List<Row> rows = tile(png(32, 96), List.of(RowFactory.create(2, "1 32")));
    assertEquals(3, rows.size());
    Row first = rows.get(0);
    assertNull(first.get(Tiler.SCHEMA.fieldIndex("reason")));
    assertEquals("a.png_0", first.get(0));
    assertEquals(List.of("", "1 32", "", ""), List.of(rle(first)));
    assertEquals(32L, ((long[]) first.get(Tiler.SCHEMA.fieldIndex("mask_pixels")))[1]);
    assertEquals("", rle(rows.get(1))[1], "column 0 is only in the first tile");
  }

  @Test
  void corruptWrongSizeAndBadRleAreReasonedRows() {
    byte[] png = png(32, 96);
    assertEquals("corrupt-image", reason(tile(java.util.Arrays.copyOf(png, png.length - 13), null)));
    assertEquals("not-an-image", reason(tile(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1}, null)));
    assertEquals("wrong-size", reason(tile(png(32, 64), null)));
    assertEquals("rle-out-of-range",
        reason(tile(png(32, 96), List.of(RowFactory.create(1, "3070 10")))));
  }

  private static String[] rle(Row r) {
    return (String[]) r.get(Tiler.SCHEMA.fieldIndex("mask_rle"));
  }

  private static String reason(List<Row> rows) {
    assertEquals(1, rows.size());
    Row r = rows.get(0);
    assertNull(r.get(0), "no tile id for a rejected image");
    return r.getString(Tiler.SCHEMA.fieldIndex("reason"));
  }
}
