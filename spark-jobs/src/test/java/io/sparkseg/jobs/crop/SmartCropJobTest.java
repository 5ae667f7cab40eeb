package io.sparkseg.jobs.crop;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.demo.DevicePhotoGenerator;
import io.sparkseg.core.geometry.SquareCrop;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.folds.FoldsJob;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.tiles.TileJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smart-crop on a few generated photos: crops, quarantine, reconciliation, re-runs, folds/tile. */
public class SmartCropJobTest {

  /** Person-photo settings for tests: 96x96 crops, one class, 2 folds; {@code extra} on top. */
  public static SparksegConfig config(Path work, Map<String, String> extra) {
    Map<String, String> o = new HashMap<>();
    o.put("dataset.kind", "person-photos");
    o.put("data.image-height", "96");
    o.put("data.image-width", "96");
    o.put("data.classes", "1");
    o.put("roi.size", "96");
    o.put("tiles.height", "96");
    o.put("tiles.width", "96");
    o.put("tiles.stride", "96");
    o.put("folds.k", "2");
    o.put("train.pos-weight", "[1.0]");
    o.putAll(extra);
    return SparkTestSupport.config(work, o);
  }

  private static String run(SparkSession spark, SparksegConfig cfg) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    SmartCropJob.run(spark, cfg, new PrintStream(buf, true));
    return buf.toString();
  }

  @Test
  void cropsPhotosQuarantinesTheRestAndSkipsUnchangedPhotosOnReRun(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = config(work, Map.of());
    Path data = Path.of(cfg.data().dir());
    DevicePhotoGenerator gen = new DevicePhotoGenerator(6, 0, 3, null);
    gen.write(data);
    Path photos = data.resolve("photos");
    // bad input: a corrupt photo with a task, a photo nobody annotated, a task without photo,
    // a task with an unknown label
    byte[] good = Files.readAllBytes(photos.resolve("photo_000.jpg"));
    Files.write(photos.resolve("corrupt.jpg"), java.util.Arrays.copyOf(good, good.length / 3));
    Files.write(photos.resolve("unlabelled.jpg"), good);
    String export = Files.readString(data.resolve("annotations.json"));
    String extra = ",{\"id\": 90, \"data\": {\"image\": \"corrupt.jpg\"}, \"annotations\": []}"
        + ",{\"id\": 91, \"data\": {\"image\": \"/data/upload/1/abcdef12-gone.jpg\"}}"
        + ",{\"id\": 92, \"data\": {\"image\": \"photo_009.jpg\"}, \"annotations\": [{\"result\": "
        + "[{\"type\": \"polygonlabels\", \"original_width\": 10, \"original_height\": 10, "
        + "\"value\": {\"points\": [[1,1],[5,1],[5,5]], \"polygonlabels\": [\"mole\"]}}]}]}";
    Files.write(photos.resolve("photo_009.jpg"), good);
    Files.writeString(data.resolve("annotations.json"),
        export.substring(0, export.length() - 1) + extra + "]");

    SparkSession spark = SparkTestSupport.spark(cfg);
    TableStore store = new TableStore(spark, cfg.tables());
    String out = run(spark, cfg);
    assertTrue(out.contains("photos: 9 in = 6 cropped + 0 unchanged + 3 quarantined"), out);
    assertTrue(out.contains("tasks: 9 in = 8 with a photo + 1 quarantined"), out);

    Dataset<Row> crops = store.read(TableStore.CROPS);
    assertEquals(6, crops.count());
    Map<String, String> reasons = store.read(TableStore.QUARANTINE).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("reason") + ":" + (Object) r.getAs("image_id"),
            r -> r.getAs("detail")));
    assertTrue(reasons.containsKey("corrupt-image:corrupt.jpg"), reasons.toString());
    assertTrue(reasons.containsKey("no-annotation:unlabelled.jpg"), reasons.toString());
    assertTrue(reasons.containsKey("unknown-label:photo_009.jpg"), reasons.toString());
    assertTrue(reasons.keySet().stream().anyMatch(k -> k.startsWith("missing-image:")),
        reasons.toString());

    // every crop: 96x96, its transform maps the photo's truth onto the stored mask
    for (Row r : crops.collectAsList()) {
      String id = r.getAs("image_id");
      int i = Integer.parseInt(id.substring(6, 9));
      DevicePhotoGenerator.Photo p = gen.photo("train", i);
      assertEquals(p.image().height(), (int) r.getAs("photo_height"));
      Image8 crop = ImageCodec.decode(r.getAs("content"));
      assertEquals(96, crop.height());
      assertEquals("hog", r.getAs("detector"));
      assertTrue(r.getAs("fallback") == null || r.getAs("fallback").equals("center"));
      if (r.getAs("fallback") != null) {
        assertNull(r.getAs("detector_score"), "no score is invented for a fallback");
      }
      SquareCrop t = new SquareCrop(r.getAs("photo_height"), r.getAs("photo_width"),
          r.getAs("crop_x"), r.getAs("crop_y"), r.getAs("crop_side"), 96);
      List<String> rle = r.getList(r.fieldIndex("mask_rle"));
      BinaryMask stored = Rle.decode(rle.get(0), 96, 96);
      BinaryMask expected = p.patch() == null ? new BinaryMask(96, 96) : t.maskToCrop(p.patch());
      int differ = 0;
      for (int y = 0; y < 96; y++) {
        for (int x = 0; x < 96; x++) {
          differ += stored.get(y, x) != expected.get(y, x) ? 1 : 0;
        }
      }
      assertTrue(differ <= 3, id + ": " + differ + " pixels differ");
      assertEquals((long) stored.count(), r.<scala.collection.Seq<Long>>getAs("mask_pixels")
          .apply(0));
    }

    // a re-run changes nothing; a changed photo is cropped again, and a photo that has left
    // the folder takes its crop with it (the table mirrors the input, as ingest's do): its
    // task now has no photo
    String again = run(spark, cfg);
    assertTrue(again.contains("photos: 9 in = 0 cropped + 6 unchanged + 3 quarantined"), again);
    Files.write(photos.resolve("photo_001.jpg"), ImageCodec.encodeJpeg(
        gen.photo("train", 1).image(), 0.5f)); // same picture, other bytes
    Path gone = photos.resolve("photo_002.jpg");
    byte[] goneBytes = Files.readAllBytes(gone);
    Files.delete(gone);
    String changed = run(spark, cfg);
    assertTrue(changed.contains("photos: 8 in = 1 cropped + 4 unchanged + 3 quarantined"),
        changed);
    assertTrue(changed.contains("tasks: 9 in = 7 with a photo + 2 quarantined"), changed);
    assertTrue(changed.contains("crops in the table: 5 in = 1 written this run + 4 unchanged"),
        changed);
    assertTrue(changed.matches("(?s).*crops_removed_not_in_input\\s+1\\n.*"), changed);
    assertEquals(List.of(), store.read(TableStore.CROPS).filter(col("image_id")
        .equalTo("photo_002.jpg")).collectAsList());
    assertEquals(5, store.read(TableStore.CROPS).count());
    Files.write(gone, goneBytes);

    // other ROI settings re-crop everything
    SparksegConfig wider = config(work, Map.of("roi.fallback", "letterbox"));
    String all = run(spark, wider);
    assertTrue(all.contains("photos: 9 in = 6 cropped + 0 unchanged"), all);
    assertEquals(6, store.read(TableStore.CROPS).filter(col("fallback").isNull()
        .or(col("fallback").equalTo("letterbox"))).count());

    // the same folds and tile jobs run on the crops
    JobReport folds = FoldsJob.run(spark, wider, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(6, folds.count("images_assigned"));
    JobReport tiles = TileJob.run(spark, wider, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(6, tiles.count("tiles_written"));
    long withPatch = store.read(TableStore.CROPS).filter("mask_pixels[0] > 0").count();
    assertEquals(withPatch, store.read(TableStore.TILES).filter("mask_pixels[0] > 0").count());
    assertNotNull(store.read(TableStore.TILES).first().getAs("content"));
  }

  @Test
  void quarantineFallbackSetsAsidePhotosWithNobody(@TempDir Path work) throws Exception {
    SparksegConfig cfg = config(work, Map.of("roi.fallback", "quarantine"));
    new DevicePhotoGenerator(3, 0, 4, null).write(Path.of(cfg.data().dir()));
    SparkSession spark = SparkTestSupport.spark(cfg);
    String out = run(spark, cfg);
    // drawn figures: HOG finds nobody at its min score, so every photo is set aside
    TableStore store = new TableStore(spark, cfg.tables());
    long noPerson = store.read(TableStore.QUARANTINE).filter(col("reason").equalTo("no-person"))
        .count();
    long cropped = store.exists(TableStore.CROPS) ? store.read(TableStore.CROPS).count() : 0;
    assertEquals(3, noPerson + cropped, out);
    assertTrue(noPerson >= 1, out);
  }
}
