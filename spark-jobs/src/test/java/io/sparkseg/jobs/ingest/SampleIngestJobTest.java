package io.sparkseg.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.folds.FoldsJob;
import io.sparkseg.jobs.io.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} of the mask-folder and COCO layouts: pairs, class-index masks with an ignore
 * value, COCO polygons with a background class, every bad file quarantined with its reason and
 * every listed file accounted for; folds keep a sub-folder's images together.
 */
class SampleIngestJobTest {
  private static byte[] grey(int h, int w, int... values) {
    byte[] px = new byte[h * w];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) values[i % values.length];
    }
    return ImageCodec.encodePng(new Image8(h, w, 1, px));
  }

  private static byte[] rgb(int h, int w) {
    return ImageCodec.encodePng(new Image8(h, w, 3, new byte[h * w * 3]));
  }

  private static Map<String, String> softmax(Path work, String kind, int classes) {
    Map<String, String> o = new HashMap<>();
    o.put("dataset.kind", kind);
    o.put("data.classes", String.valueOf(classes));
    o.put("data.image-height", "8");
    o.put("data.image-width", "8");
    o.put("tiles.height", "8");
    o.put("tiles.width", "8");
    o.put("tiles.stride", "8");
    o.put("folds.k", "2");
    o.put("model.activation", "softmax");
    o.put("train.loss", "ce");
    o.put("data.train-images", work.resolve("data/images").toString());
    return o;
  }

  @Test
  void maskFoldersWithIgnoreValueAndEveryBadFileAccountedFor(@TempDir Path work)
      throws Exception {
    Path images = Files.createDirectories(work.resolve("data/images/sub"));
    Path masks = Files.createDirectories(work.resolve("data/masks/sub"));
    images = images.getParent();
    masks = masks.getParent();
    Files.write(images.resolve("a.png"), rgb(8, 8));
    Files.write(masks.resolve("a.png"), grey(8, 8, 0, 1, 2, 255));
    Files.write(images.resolve("sub/c.jpg"), ImageCodec.encodeJpeg(new Image8(8, 8, 3,
        new byte[192]), 0.9f));
    Files.write(masks.resolve("sub/c.png"), grey(8, 8, 2));
    Files.write(images.resolve("b.png"), rgb(8, 8));
    Files.write(masks.resolve("b.png"), grey(8, 8, 0, 7)); // 7: beyond the 3 classes
    Files.write(images.resolve("d.png"), rgb(8, 8)); // no mask
    Files.write(masks.resolve("e.png"), grey(8, 8, 0)); // no image
    Files.write(images.resolve("f.png"), rgb(6, 8)); // wrong size, data.resize = none
    Files.write(masks.resolve("f.png"), grey(6, 8, 0));
    Map<String, String> o = softmax(work, "png-masks", 3);
    o.put("dataset.labels", masks.toString());
    SparksegConfig cfg = SparkTestSupport.config(work, o);
    SparkSession spark = SparkTestSupport.spark(cfg);

    JobReport r = SampleIngestJob.run(spark, cfg, System.out);
    assertTrue(r.reconciled(), r.reconciliations().toString());
    assertEquals(Map.of("unknown-colour", 1L, "missing-label", 1L, "orphan-label", 1L,
        "wrong-size", 1L), r.quarantinedByReason());
    TableStore store = new TableStore(spark, cfg.tables());
    List<Row> rows = store.read(TableStore.SAMPLES).orderBy("image_id").collectAsList();
    assertEquals(2, rows.size());
    Row a = rows.get(0);
    assertEquals("a", a.getString(a.fieldIndex("image_id")));
    assertEquals("", a.getString(a.fieldIndex("sequence")));
    assertEquals(List.of(16L, 16L, 16L), a.getList(a.fieldIndex("mask_pixels")));
    assertEquals(16L, a.getLong(a.fieldIndex("ignored_pixels")));
    Row c = rows.get(1);
    assertEquals("sub/c", c.getString(c.fieldIndex("image_id")));
    assertEquals("sub", c.getString(c.fieldIndex("sequence")));
    assertEquals(List.of(0L, 0L, 64L), c.getList(c.fieldIndex("mask_pixels")));
    assertEquals(List.of("", "", "1 64"), c.getList(c.fieldIndex("mask_rle")));
    assertEquals(16L + 64L, r.count("pixels.class3"));
    Row orphan = store.read(TableStore.QUARANTINE).filter(col("reason").equalTo("orphan-label"))
        .first();
    assertTrue(orphan.getString(orphan.fieldIndex("source_path")).endsWith("masks/e.png"));
    assertTrue(Files.readString(work.resolve("class_stats.json")).contains("\"inverse\""));

    JobReport folds = FoldsJob.run(spark, cfg, System.out);
    assertEquals(2, folds.count("groups"), "a (alone) and sub");
  }

  @Test
  void cocoImagesWithBackgroundAndUnknownCategoriesQuarantined(@TempDir Path work)
      throws Exception {
    Path images = Files.createDirectories(work.resolve("data/images"));
    Files.write(images.resolve("x.png"), rgb(8, 8));
    Files.write(images.resolve("y.png"), rgb(8, 8));
    Files.write(images.resolve("z.png"), rgb(8, 8)); // no entry in the file
    Path json = work.resolve("data/instances.json");
    Files.writeString(json, """
        {"images": [{"id": 1, "file_name": "x.png", "height": 8, "width": 8},
                    {"id": 2, "file_name": "y.png", "height": 8, "width": 8},
                    {"id": 3, "file_name": "w.png", "height": 8, "width": 8}],
         "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
         "annotations": [
           {"id": 10, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 8, 0, 8]]},
           {"id": 20, "image_id": 2, "category_id": 2, "segmentation": [[0, 0, 4, 0, 4, 4]]}]}
        """);
    Map<String, String> o = softmax(work, "coco", 2);
    o.put("dataset.coco.annotations", json.toString());
    o.put("dataset.coco.categories", "[background, car]");
    SparksegConfig cfg = SparkTestSupport.config(work, o);
    assertEquals(List.of("background", "car"), cfg.classNames());
    SparkSession spark = SparkTestSupport.spark(cfg);

    JobReport r = SampleIngestJob.run(spark, cfg, System.out);
    assertTrue(r.reconciled(), r.reconciliations().toString());
    assertEquals(Map.of("unknown-category", 1L, "no-annotation", 1L, "missing-image", 1L),
        r.quarantinedByReason());
    Row x = new TableStore(spark, cfg.tables()).read(TableStore.SAMPLES).first();
    assertEquals("x", x.getString(x.fieldIndex("image_id")));
    assertEquals(List.of(32L, 32L), x.getList(x.fieldIndex("mask_pixels")),
        "left half car, right half background");
    List<Row> instances = x.getList(x.fieldIndex("instances"));
    assertEquals(1, instances.size(), "annotation 10, kept for instance work");
    Row car = instances.get(0);
    assertEquals(10L, car.getLong(0));
    assertEquals(2, car.getInt(1));
    assertEquals("1 32", car.getString(3), "the left half: 4 columns of 8, column-major");
  }
}
