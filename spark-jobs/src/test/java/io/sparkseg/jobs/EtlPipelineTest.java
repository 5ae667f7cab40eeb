package io.sparkseg.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.folds.StratifiedKFold;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.tiling.OverlapStitcher;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.jobs.io.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest → folds → tile on generated data with every kind of bad input mixed in; asserts the
 * tables, the quarantine reasons and the reconciled counts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtlPipelineTest {
  private SparksegConfig cfg;
  private SparkSession spark;
  private TableStore store;
  private List<JobReport> reports;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private int goodCsvRows;
  private final List<String> cleanIds = new ArrayList<>();

  @BeforeAll
  void runPipeline(@TempDir Path work) throws Exception {
    cfg = SparkTestSupport.config(work);
    Pipeline.generateDemo(cfg, System.out);
    Path data = Path.of(cfg.data().dir());
    Path images = data.resolve("train_images");
    List<String> csv = Files.readAllLines(data.resolve("train.csv"));
    goodCsvRows = csv.size() - 1;
    Set<String> defective = new HashSet<>();
    csv.subList(1, csv.size()).forEach(l -> defective.add(l.split(",")[0]));
    try (var s = Files.list(images)) {
      s.map(p -> p.getFileName().toString()).filter(id -> !defective.contains(id)).sorted()
          .forEach(cleanIds::add);
    }
    assertTrue(cleanIds.size() >= 3, "need clean images to attach bad rows to: " + cleanIds);
    String someImage = csv.get(1).split(",")[0];

    // bad files
    Files.writeString(images.resolve("notes.txt"), "not an image");
    // Spark's listing skips names starting with '.' or '_': read and counted all the same
    Files.writeString(images.resolve("._resource-fork.jpg"), "Mac OS X resource fork");
    Files.write(images.resolve("empty.jpg"), new byte[0]); // Spark's scans drop empty files
    byte[] jpeg = Files.readAllBytes(images.resolve(someImage));
    Files.write(images.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    Files.write(images.resolve("small.jpg"),
        ImageCodec.encodeJpeg(new Image8(64, 400, 3, new byte[64 * 400 * 3]), 0.9f));
    Files.createDirectories(images.resolve("copies"));
    Files.write(images.resolve("copies").resolve(someImage), jpeg);

    // bad rows (RLE errors on clean images, one class each, so no row is also a duplicate)
    String a = cleanIds.get(0);
    String b = cleanIds.get(1);
    String c = cleanIds.get(2);
    List<String> bad = List.of(
        "missing.jpg,1,1 10",            // missing-image
        "truncated.jpg,2,1 10",          // missing-image (its image was quarantined)
        a + ",5,1 10",                   // class-out-of-range
        a + ",x,1 10",                   // class-out-of-range
        "only,two",                      // malformed-row
        a + ",1,1 2 3",                  // rle-odd-length
        a + ",2,10 5 5 5",               // rle-unsorted
        a + ",3,10 5 12 2",              // rle-overlapping
        a + ",4,102400 5",               // rle-out-of-range (128*800 = 102400)
        b + ",1,1 -2",                   // rle-non-positive
        b + ",2,x 2",                    // rle-not-a-number
        csv.get(1),                      // duplicate-mask
        "",                              // blank line: skipped, counted
        c + ",1,1 1 " + (128 * 800) + " 1", // valid: first and last pixel
        c + ",2,x 5",                    // rle-not-a-number, and the first row for (c, 2) ...
        c + ",2,3 4");                   // ... so this valid later row is kept, not a duplicate
    Files.write(data.resolve("train.csv"), (String.join("\n", bad) + "\n")
        .getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);

    spark = SparkTestSupport.spark(cfg);
    store = new TableStore(spark, cfg.tables());
    reports = Pipeline.etl(spark, cfg, new PrintStream(printed, true, StandardCharsets.UTF_8));
    System.out.print(printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void everyBadRecordIsQuarantinedWithItsReason() {
    Map<String, Long> byReason = new TreeMap<>();
    for (Row r : store.read(TableStore.QUARANTINE).groupBy("reason").count().collectAsList()) {
      byReason.put(r.getString(0), r.getLong(1));
    }
    Map<String, Long> expected = new TreeMap<>(Map.ofEntries(
        Map.entry("not-an-image", 2L), Map.entry("corrupt-image", 1L), Map.entry("empty-file", 1L),
        Map.entry("wrong-size", 1L), Map.entry("duplicate-image", 1L),
        Map.entry("missing-image", 2L), Map.entry("class-out-of-range", 2L),
        Map.entry("malformed-row", 1L), Map.entry("rle-odd-length", 1L),
        Map.entry("rle-unsorted", 1L), Map.entry("rle-overlapping", 1L),
        Map.entry("rle-out-of-range", 1L), Map.entry("rle-non-positive", 1L),
        Map.entry("rle-not-a-number", 2L), Map.entry("duplicate-mask", 1L)));
    assertEquals(expected, byReason);

    Row odd = store.read(TableStore.QUARANTINE).filter(col("reason").equalTo("rle-odd-length"))
        .first();
    assertEquals(cleanIds.get(0) + ",1,1 2 3", odd.getAs("raw"), "keeps the raw line");
    assertTrue(((String) odd.getAs("source_path")).endsWith("train.csv"));
    assertEquals(goodCsvRows + 7L, (long) odd.getAs("line"), "1-based line in the file");
    Row dup = store.read(TableStore.QUARANTINE).filter(col("reason").equalTo("duplicate-image"))
        .first();
    assertTrue(((String) dup.getAs("source_path")).contains("/copies/"), "the later path goes");
    Row missing = store.read(TableStore.QUARANTINE)
        .filter(col("raw").equalTo("truncated.jpg,2,1 10")).first();
    assertEquals("image was quarantined (corrupt-image)", missing.getAs("detail"));
  }

  @Test
  void countsReconcile() {
    JobReport ingest = reports.get(0);
    assertTrue(ingest.reconciled());
    int files = 18 + 6;
    long onDisk;
    try (var walk = Files.walk(Path.of(cfg.data().trainImages()))) {
      onDisk = walk.filter(Files::isRegularFile).count(); // an independent listing
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertEquals(onDisk, ingest.count("image_files_in"), "every file on disk is counted");
    assertEquals(files, ingest.count("image_files_in"));
    assertEquals(18, ingest.count("images_written"));
    assertEquals(6, ingest.count("images_quarantined"));
    int dataRows = goodCsvRows + 15; // the blank line is not a data row
    assertEquals(dataRows, ingest.count("csv_rows_in"));
    assertEquals(1, ingest.count("csv_blank_lines_skipped"));
    assertEquals(goodCsvRows + 2, ingest.count("masks_written"));
    assertEquals(13, ingest.count("csv_rows_quarantined"));
    assertEquals(ingest.count("images_quarantined") + ingest.count("csv_rows_quarantined"),
        store.read(TableStore.QUARANTINE).count());
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("image files: 24 in = 18 written + 6 quarantined  (reconciled)"), text);

    // the one-line summary run prints: every quarantined input by reason, across the jobs
    String summary = JobReport.quarantineSummary(reports.stream()
        .map(JobReport::quarantinedByReason).toList());
    assertTrue(summary.startsWith("quarantined inputs: "
        + store.read(TableStore.QUARANTINE).count() + " ("), summary);
    assertTrue(summary.contains("duplicate-mask 1") && summary.contains("not-an-image 2")
        && summary.contains("rle-not-a-number 2"), summary);
    assertEquals("quarantined inputs: none", JobReport.quarantineSummary(List.of(Map.of())));

    // stored in job_runs too
    Row run = store.read(TableStore.JOB_RUNS).filter(col("job").equalTo("ingest")).first();
    assertTrue(run.<Boolean>getAs("reconciled"));
    assertEquals(18L, (long) run.<scala.collection.Map<String, Object>>getAs("counts")
        .get("images_written").get());
    reports.forEach(r -> assertTrue(r.reconciled(), r.job()));
  }

  @Test
  void masksTableHoldsValidatedRowsTraceableToTheirLine() {
    Dataset<Row> masks = store.read(TableStore.MASKS);
    Row edge = masks.filter(col("image_id").equalTo(cleanIds.get(2))
        .and(col("class_id").equalTo(1))).first();
    assertEquals(2L, (long) edge.getAs("pixel_count"));
    assertEquals(goodCsvRows + 15L, (long) edge.getAs("source_line"));
    // a bad first row for (image, class) does not shadow a valid later one
    Row later = masks.filter(col("image_id").equalTo(cleanIds.get(2))
        .and(col("class_id").equalTo(2))).first();
    assertEquals("3 4", later.getAs("rle"));
    assertEquals(goodCsvRows + 17L, (long) later.getAs("source_line"));
    for (Row r : masks.collectAsList()) {
      assertEquals(Rle.pixelCount(r.getAs("rle"), 128, 800), (long) r.getAs("pixel_count"));
    }
  }

  @Test
  void foldsAreTheStratifiedAssignment() {
    Map<String, Integer> strata = new HashMap<>();
    Map<String, Set<Integer>> classes = new HashMap<>();
    for (Row r : store.read(TableStore.MASKS).select("image_id", "class_id").collectAsList()) {
      classes.computeIfAbsent(r.getString(0), k -> new HashSet<>()).add(r.getInt(1));
    }
    for (Row r : store.read(TableStore.IMAGES).select("image_id").collectAsList()) {
      strata.put(r.getString(0), classes.getOrDefault(r.getString(0), Set.of()).size());
    }
    Map<String, Integer> expected = new StratifiedKFold(3, 42).assign(strata);
    Map<String, Integer> actual = new HashMap<>();
    for (Row r : store.read(TableStore.FOLDS).collectAsList()) {
      actual.put(r.getAs("image_id"), r.getAs("fold"));
      assertEquals(strata.get(r.<String>getAs("image_id")), (int) r.<Integer>getAs("defect_classes"));
    }
    assertEquals(expected, actual);
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("fold   images   clean  class1"));
  }

  @Test
  void tilesStitchBackToTheImagesAndMasks() throws Exception {
    TileGeometry g = cfg.tileGeometry();
    Dataset<Row> tiles = store.read(TableStore.TILES);
    assertEquals(18L * 6, tiles.count());
    Map<String, List<Row>> byImage = new HashMap<>();
    for (Row t : tiles.collectAsList()) {
      byImage.computeIfAbsent(t.getAs("image_id"), k -> new ArrayList<>()).add(t);
    }
    Map<String, byte[]> content = new HashMap<>();
    for (Row r : store.read(TableStore.IMAGES).select("image_id", "content").collectAsList()) {
      content.put(r.getString(0), (byte[]) r.get(1));
    }
    Map<String, String[]> masks = new HashMap<>();
    for (Row r : store.read(TableStore.MASKS).collectAsList()) {
      masks.computeIfAbsent(r.getAs("image_id"), k -> new String[] {"", "", "", ""})
          [r.<Integer>getAs("class_id") - 1] = r.getAs("rle");
    }
    for (Map.Entry<String, List<Row>> e : byImage.entrySet()) {
      Image8 original = ImageCodec.decode(content.get(e.getKey())).firstChannel();
      OverlapStitcher pixels = new OverlapStitcher(g, 1);
      OverlapStitcher maskPlanes = new OverlapStitcher(g, 4);
      for (Row t : e.getValue()) {
        Tile tile = new Tile(t.getAs("tile_index"), t.getAs("y"), t.getAs("x"), t.getAs("height"),
            t.getAs("width"));
        Image8 img = ImageCodec.decode(t.getAs("content"));
        assertEquals(1, img.channels(), "grey images are stored as 1-channel PNG");
        float[] plane = new float[img.data().length];
        for (int i = 0; i < plane.length; i++) {
          plane[i] = img.data()[i] & 0xFF;
        }
        pixels.add(tile, new float[][] {plane});
        List<String> rles = t.getList(t.fieldIndex("mask_rle"));
        float[][] planes = new float[4][];
        for (int k = 0; k < 4; k++) {
          BinaryMask m = Rle.decode(rles.get(k), tile.height(), tile.width());
          assertEquals(m.count(), (long) t.<Long>getList(t.fieldIndex("mask_pixels")).get(k));
          planes[k] = OverlapStitcher.plane(m);
        }
        maskPlanes.add(tile, planes);
      }
      float[] stitched = pixels.result()[0];
      byte[] back = new byte[stitched.length];
      for (int i = 0; i < back.length; i++) {
        back[i] = (byte) Math.round(stitched[i]);
      }
      assertArrayEquals(original.data(), back, "image " + e.getKey());
      float[][] m = maskPlanes.result();
      String[] expected = masks.getOrDefault(e.getKey(), new String[] {"", "", "", ""});
      for (int k = 0; k < 4; k++) {
        assertEquals(Rle.decode(expected[k], 128, 800),
            OverlapStitcher.threshold(m[k], 128, 800, 0.5f), e.getKey() + " class " + (k + 1));
      }
    }
  }

  @Test
  void tilesArePartitionedByFoldForCheapPruning() {
    for (int f = 0; f < 3; f++) {
      assertTrue(Files.isDirectory(Path.of(store.path(TableStore.TILES), "fold=" + f)));
    }
    Dataset<Row> train = store.read(TableStore.TILES).filter(col("fold").notEqual(1));
    String plan = train.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("PartitionFilters: [isnotnull(fold") && plan.contains("NOT (fold"),
        plan);
    assertFalse(train.filter(col("fold").equalTo(1)).count() > 0);
  }
}
