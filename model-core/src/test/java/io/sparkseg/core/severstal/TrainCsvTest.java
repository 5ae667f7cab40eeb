package io.sparkseg.core.severstal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.severstal.TrainCsv.Layout;
import io.sparkseg.core.severstal.TrainCsv.Row;
import org.junit.jupiter.api.Test;

class TrainCsvTest {
  @Test
  void detectsBothLayouts() {
    assertEquals(Layout.IMAGE_CLASS, TrainCsv.detect("ImageId,ClassId,EncodedPixels"));
    assertEquals(Layout.IMAGE_CLASS, TrainCsv.detect("\uFEFFImageId,ClassId,EncodedPixels\r"));
    assertEquals(Layout.LEGACY, TrainCsv.detect("ImageId_ClassId,EncodedPixels"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainCsv.detect("id,mask"));
    assertTrue(e.getMessage().contains("ImageId_ClassId,EncodedPixels"), e.getMessage());
  }

  @Test
  void imageClassRows() {
    Row r = TrainCsv.parse(Layout.IMAGE_CLASS, "0002cc93b.jpg,1,29102 12 29346 24", 4);
    assertEquals(Row.Kind.MASK, r.kind());
    assertEquals("0002cc93b.jpg", r.imageId());
    assertEquals(1, r.classId());
    assertEquals("29102 12 29346 24", r.rle());
    assertEquals(Row.Kind.NO_DEFECT, TrainCsv.parse(Layout.IMAGE_CLASS, "a.jpg,3,", 4).kind());
  }

  @Test
  void legacyRows() {
    Row r = TrainCsv.parse(Layout.LEGACY, "0002cc93b.jpg_1,29102 12", 4);
    assertEquals(Row.Kind.MASK, r.kind());
    assertEquals("0002cc93b.jpg", r.imageId());
    assertEquals(1, r.classId());
    Row empty = TrainCsv.parse(Layout.LEGACY, "0002cc93b.jpg_2,", 4);
    assertEquals(Row.Kind.NO_DEFECT, empty.kind());
    assertEquals(2, empty.classId());
  }

  @Test
  void rejections() {
    assertEquals(QuarantineReason.MALFORMED_ROW,
        TrainCsv.parse(Layout.IMAGE_CLASS, "a.jpg,1", 4).reason());
    assertEquals(QuarantineReason.MALFORMED_ROW,
        TrainCsv.parse(Layout.IMAGE_CLASS, ",1,1 2", 4).reason());
    assertEquals(QuarantineReason.MALFORMED_ROW,
        TrainCsv.parse(Layout.LEGACY, "a.jpg1,1 2", 4).reason());
    assertEquals(QuarantineReason.MALFORMED_ROW,
        TrainCsv.parse(Layout.LEGACY, "a.jpg_1,1 2,3", 4).reason());
    Row five = TrainCsv.parse(Layout.IMAGE_CLASS, "a.jpg,5,1 2", 4);
    assertEquals(QuarantineReason.CLASS_OUT_OF_RANGE, five.reason());
    assertEquals("a.jpg", five.imageId());
    assertEquals(QuarantineReason.CLASS_OUT_OF_RANGE,
        TrainCsv.parse(Layout.IMAGE_CLASS, "a.jpg,0,1 2", 4).reason());
    assertEquals(QuarantineReason.CLASS_OUT_OF_RANGE,
        TrainCsv.parse(Layout.LEGACY, "a.jpg_x,1 2", 4).reason());
  }
}
