package io.sparkseg.jobs.predict;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What predict reads: plain files, zip and tar.gz archives, and bad input, which is quarantined
 * with its reason while everything else is scored (images in = scored + quarantined). Also the
 * Parquet table format, where the same re-run adds nothing.
 */
class PredictInputsTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @Test
  void archivesAreExpandedAndBadInputIsQuarantinedWithItsReason(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("demo.test-images", "5",
        "predict.run-id", "a1", "predict.overlays", "0", "predict.submission-layout", "newer",
        "tables.format", "parquet"));
    Pipeline.generateDemo(cfg, QUIET);
    PredictFixtures.writeRun(work, "a1", 1);
    Path images = work.resolve("demo-data/test_images");
    List<Path> files;
    try (var s = Files.list(images)) {
      files = s.sorted().toList();
    }
    // images 2 and 3 go into a zip (in a sub-folder), image 4 into a tar.gz
    Path sub = Files.createDirectories(images.resolve("batch-2"));
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(sub.resolve("b.zip")))) {
      for (Path p : files.subList(2, 4)) {
        zip.putNextEntry(new ZipEntry("inner/" + p.getFileName()));
        zip.write(Files.readAllBytes(p));
        zip.closeEntry();
        Files.delete(p);
      }
      zip.putNextEntry(new ZipEntry("inner/"));
      zip.closeEntry();
    }
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(
        Files.newOutputStream(images.resolve("c.tar.gz"))))) {
      byte[] b = Files.readAllBytes(files.get(4));
      TarArchiveEntry e = new TarArchiveEntry(files.get(4).getFileName().toString());
      e.setSize(b.length);
      tar.putArchiveEntry(e);
      tar.write(b);
      tar.closeArchiveEntry();
      Files.delete(files.get(4));
    }
    // bad input: truncated JPEG, wrong size, not an image, an archive that is not one
    byte[] jpeg = Files.readAllBytes(files.get(0));
    Files.write(images.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
    Files.write(images.resolve("small.png"), ImageCodec.encodePng(
        new Image8(64, 64, 1, new byte[64 * 64])));
    Files.writeString(images.resolve("notes.txt"), "not an image");
    Files.write(images.resolve("broken.zip"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

    SparkSession spark = SparkTestSupport.spark(cfg);
    PredictJob.Result r = PredictJob.run(spark, cfg, System.out);
    assertEquals(9, r.imagesIn());
    assertEquals(5, r.scored());
    assertEquals(4, r.quarantined());
    assertEquals(r.imagesIn(), r.scored() + r.quarantined());

    TableStore store = new TableStore(spark, cfg.tables());
    Map<String, String> reasons = new TreeMap<>();
    for (Row q : store.read(TableStore.QUARANTINE).filter(col("job").equalTo("predict"))
        .collectAsList()) {
      String source = q.getAs("source_path");
      reasons.put(source.substring(source.lastIndexOf('/') + 1), q.getAs("reason"));
      String detail = q.getAs("detail");
      assertTrue(detail.contains(source.replace("file:", "")) || detail.contains(source),
          detail);
    }
    assertEquals(Map.of("truncated.jpg", "corrupt-image", "small.png", "wrong-size",
        "notes.txt", "not-an-image", "broken.zip", "corrupt-archive"), reasons);
    List<Row> predicted = store.read(TableStore.PREDICTIONS).collectAsList();
    assertEquals(20, predicted.size());
    assertEquals(2, predicted.stream().map(x -> x.<String>getAs("source_path"))
        .filter(p -> p.contains("b.zip!/inner/")).distinct().count());
    assertEquals(1, predicted.stream().map(x -> x.<String>getAs("source_path"))
        .filter(p -> p.contains("c.tar.gz!/")).distinct().count());

    // newer layout: ImageId,EncodedPixels,ClassId, 4 rows per scored image
    List<String> lines = Files.readAllLines(Path.of(cfg.predict().submission()));
    assertEquals("ImageId,EncodedPixels,ClassId", lines.get(0));
    assertEquals(1 + 5 * 4, lines.size());
    assertTrue(lines.get(1).endsWith(",1") && lines.get(4).endsWith(",4"), lines.toString());

    // Parquet has no MERGE; the re-run still adds nothing
    PredictJob.Result again = PredictJob.run(spark, cfg, QUIET);
    assertEquals(0, again.scored());
    assertEquals(5, again.alreadyScored());
    assertEquals(20, store.read(TableStore.PREDICTIONS).count());
  }

  /** Demo test images and one untrained fold model for run {@code runId}; no flip TTA. */
  private static SparksegConfig demo(Path work, int images, String runId, int overlays)
      throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("demo.test-images",
        String.valueOf(images), "predict.run-id", runId, "predict.overlays",
        String.valueOf(overlays), "predict.flip-tta", "false"));
    Pipeline.generateDemo(cfg, QUIET);
    PredictFixtures.writeRun(work, runId, 1);
    return cfg;
  }

  private static List<Path> sortedFiles(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void oddIdsAreSetAsideAndDuplicateIdsKeepTheFirstReadableFile(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = demo(work, 3, "o1", 8);
    Path images = work.resolve("demo-data/test_images");
    List<Path> files = sortedFiles(images);
    byte[] jpeg = Files.readAllBytes(files.get(0));
    // names a CSV row or a path cannot carry
    for (String odd : new String[] {"a,b.jpg", "x\ry.jpg", "c:d.jpg"}) {
      Files.write(images.resolve(odd), jpeg);
    }
    // the same id twice: a corrupt copy first by path, a good one second
    Files.write(Files.createDirectories(images.resolve("a")).resolve("dup.jpg"),
        java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
    Files.write(Files.createDirectories(images.resolve("b")).resolve("dup.jpg"), jpeg);
    // bytes after the JPEG's end marker are not truncation
    byte[] tail = java.util.Arrays.copyOf(jpeg, jpeg.length + 64);
    Files.write(images.resolve("tail.jpg"), tail);
    // names Spark's listing skips: a real image and a macOS resource fork, both counted
    Files.write(images.resolve("_u.jpg"), jpeg);
    Files.writeString(images.resolve("._u.jpg"), "Mac OS X resource fork");
    // a zero-byte file, which Spark's file sources drop from every scan
    Files.write(images.resolve("empty.jpg"), new byte[0]);
    long onDisk;
    try (var walk = Files.walk(images)) {
      onDisk = walk.filter(Files::isRegularFile).count(); // an independent listing
    }

    SparkSession spark = SparkTestSupport.spark(cfg);
    PredictJob.Result r = PredictJob.run(spark, cfg, System.out);
    assertEquals(onDisk, r.imagesIn(), "every file on disk is counted");
    assertEquals(12, r.imagesIn());
    assertEquals(6, r.scored(), "3 demo images, b/dup.jpg, tail.jpg and _u.jpg");
    assertEquals(6, r.quarantined());
    TableStore store = new TableStore(spark, cfg.tables());
    Map<String, String> reasons = new TreeMap<>();
    for (Row q : store.read(TableStore.QUARANTINE).filter(col("job").equalTo("predict"))
        .collectAsList()) {
      String source = q.getAs("source_path");
      reasons.put(source.substring(source.indexOf("test_images/") + 12), q.getAs("reason"));
      assertTrue(q.<String>getAs("raw").startsWith("sha256:"), q.toString());
    }
    assertEquals(Map.of("a,b.jpg", "bad-image-id", "x\ry.jpg", "bad-image-id",
        "c:d.jpg", "bad-image-id", "a/dup.jpg", "corrupt-image", "._u.jpg", "not-an-image",
        "empty.jpg", "empty-file"), reasons);
    List<String> scoredFrom = store.read(TableStore.PREDICTIONS).select("source_path")
        .distinct().collectAsList().stream().map(x -> x.getString(0)).toList();
    assertTrue(scoredFrom.stream().anyMatch(p -> p.endsWith("b/dup.jpg")), scoredFrom.toString());
    List<String> lines = Files.readAllLines(Path.of(cfg.predict().submission()));
    assertEquals(1 + 6 * 4, lines.size());

    // a scheduled re-run: nothing new scored, the submission still written, the same bad
    // files not recorded again
    long quarantineRows = store.read(TableStore.QUARANTINE).count();
    PredictJob.Result again = PredictJob.run(spark, cfg, QUIET);
    assertEquals(6, again.alreadyScored());
    assertEquals(6, again.quarantined(), "still accounted for in the run's counts");
    assertEquals(quarantineRows, store.read(TableStore.QUARANTINE).count());
    assertEquals(lines, Files.readAllLines(Path.of(cfg.predict().submission())));
    // the corrupt copy replaced by other bad bytes: recorded again (its content changed)
    Files.write(images.resolve("a/dup.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 4));
    PredictJob.run(spark, cfg, QUIET);
    assertEquals(quarantineRows + 1, store.read(TableStore.QUARANTINE).count());
  }

  @Test
  void archivesAreStreamedAndAZipBombOddEntryNamesAndNestedArchivesAreDefined(
      @TempDir Path work) throws Exception {
    SparksegConfig cfg = demo(work, 4, "z1", 0);
    Path images = work.resolve("demo-data/test_images");
    List<Path> files = sortedFiles(images);
    byte[] x = Files.readAllBytes(files.get(2));
    byte[] y = Files.readAllBytes(files.get(3));
    Files.delete(files.get(2));
    Files.delete(files.get(3));
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(
        images.resolve("bomb.zip")))) {
      zip.setLevel(1);
      zip.putNextEntry(new ZipEntry("inner/../../evil/x.jpg")); // only the name is used
      zip.write(x);
      zip.closeEntry();
      // 3 GiB of zeros: a few MB compressed; reading it whole would kill the executor
      zip.putNextEntry(new ZipEntry("big.jpg"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 3 * 1024; i++) {
        zip.write(zeros);
      }
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("nested.zip"));
      zip.write(new byte[] {'P', 'K', 3, 4});
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("/abs/y.jpg"));
      zip.write(y);
      zip.closeEntry();
      for (String twice : new String[] {"a/z.jpg", "b/z.jpg"}) {
        zip.putNextEntry(new ZipEntry(twice));
        zip.write(Files.readAllBytes(files.get(0)));
        zip.closeEntry();
      }
    }
    assertTrue(Files.size(images.resolve("bomb.zip")) < 64L << 20);

    SparkSession spark = SparkTestSupport.spark(cfg);
    PredictJob.Result r = PredictJob.run(spark, cfg, System.out);
    assertEquals(8, r.imagesIn(), "2 files + 6 entries");
    assertEquals(5, r.scored(), "2 files, x.jpg, y.jpg and one z.jpg");
    assertEquals(3, r.quarantined());
    assertEquals(Map.of("archive-entry-too-large", 1L, "nested-archive", 1L,
        "duplicate-image", 1L), r.quarantinedByReason());
    TableStore store = new TableStore(spark, cfg.tables());
    List<String> sources = store.read(TableStore.PREDICTIONS).select("source_path").distinct()
        .collectAsList().stream().map(row -> row.getString(0)).toList();
    assertTrue(sources.stream().anyMatch(p -> p.endsWith("bomb.zip!/inner/../../evil/x.jpg")),
        sources.toString());
    assertTrue(sources.stream().anyMatch(p -> p.endsWith("bomb.zip!//abs/y.jpg")),
        sources.toString());
    Row big = store.read(TableStore.QUARANTINE)
        .filter(col("reason").equalTo("archive-entry-too-large")).first();
    assertTrue(big.<String>getAs("detail").contains("predict.archive-entry-max-bytes"));
  }

  @Test
  void aLargeArchiveIsScoredBySeveralTasksEachEntryOnce(@TempDir Path work) throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("demo.test-images", "4",
        "predict.run-id", "s1", "predict.overlays", "0", "predict.flip-tta", "false",
        "predict.archive-slice-bytes", "8KiB"));
    Pipeline.generateDemo(cfg, QUIET);
    PredictFixtures.writeRun(work, "s1", 1);
    Path images = work.resolve("demo-data/test_images");
    List<Path> files = sortedFiles(images);
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(
        images.resolve("large.zip")))) {
      zip.setLevel(0);
      for (int copy = 0; copy < 2; copy++) {
        for (Path f : files) {
          zip.putNextEntry(new ZipEntry("c" + copy + "/" + copy + "-" + f.getFileName()));
          zip.write(Files.readAllBytes(f));
          zip.closeEntry();
        }
      }
      zip.putNextEntry(new ZipEntry("inner.zip"));
      zip.write(new byte[] {'P', 'K', 3, 4});
      zip.closeEntry();
    }
    for (Path f : files) {
      Files.delete(f);
    }
    long size = Files.size(images.resolve("large.zip"));
    int tasks = ArchiveSlices.slices(size, 8 << 10);
    assertTrue(tasks >= 3, size + " bytes");

    SparkSession spark = SparkTestSupport.spark(cfg);
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    PredictJob.Result r = PredictJob.run(spark, cfg, new PrintStream(printed, true));
    assertTrue(printed.toString().contains("read by " + tasks + " tasks"), printed.toString());
    assertEquals(9, r.imagesIn(), "8 images and the nested archive");
    assertEquals(8, r.scored());
    assertEquals(Map.of("nested-archive", 1L), r.quarantinedByReason());
    TableStore store = new TableStore(spark, cfg.tables());
    Map<String, Long> rowsPerImage = new TreeMap<>();
    store.read(TableStore.PREDICTIONS).select("image_id").collectAsList()
        .forEach(row -> rowsPerImage.merge(row.getString(0), 1L, Long::sum));
    assertEquals(8, rowsPerImage.size());
    rowsPerImage.forEach((id, n) -> assertEquals(4L, n, id + ": one row per class, once"));
    // and again: every entry already scored, none twice
    PredictJob.Result again = PredictJob.run(spark, cfg, QUIET);
    assertEquals(8, again.alreadyScored());
    assertEquals(0, again.scored());
  }
}
