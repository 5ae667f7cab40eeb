package io.sparkseg.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives are read lazily, entry by entry, and slices of one archive partition its entries. */
class ImageFilesTest {
  private static final int ENTRIES = 40;
  private static final int ENTRY_BYTES = 1 << 20;

  /** 40 stored entries of 1 MiB (incompressible), a text file and a nested zip among them. */
  private static Path archive(Path dir) throws Exception {
    Path zip = dir.resolve("many.zip");
    Random random = new Random(1);
    byte[] data = new byte[ENTRY_BYTES];
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (int i = 0; i < ENTRIES; i++) {
        random.nextBytes(data);
        out.putNextEntry(new ZipEntry(String.format("d/e%02d.jpg", i)));
        out.write(data);
        out.closeEntry();
        if (i == 7) {
          out.putNextEntry(new ZipEntry("notes.txt")); // not wanted: skipped, not counted
          out.write("x".getBytes());
          out.closeEntry();
          out.putNextEntry(new ZipEntry("inner.zip")); // wanted: a quarantine row
          out.write(new byte[] {'P', 'K', 3, 4});
          out.closeEntry();
        }
      }
    }
    return zip;
  }

  private static Iterator<Row> read(Path zip, int slice, int slices) {
    StructType schema = new StructType().add("path", DataTypes.StringType)
        .add("slice", DataTypes.IntegerType).add("slices", DataTypes.IntegerType);
    return new ImageFiles("*.jpg", new Configuration(), 8L << 20).call(
        new GenericRowWithSchema(new Object[] {zip.toUri().toString(), slice, slices}, schema));
  }

  private static long localBytesRead() {
    return FileSystem.getAllStatistics().stream().filter(s -> s.getScheme().equals("file"))
        .mapToLong(FileSystem.Statistics::getBytesRead).sum();
  }

  @Test
  void anArchiveIsReadAsItsRowsAreTakenNotWhole(@TempDir Path dir) throws Exception {
    Path zip = archive(dir);
    long before = localBytesRead();
    Iterator<Row> rows = read(zip, 0, 1);
    assertTrue(rows.hasNext());
    Row first = rows.next();
    assertEquals("e00.jpg", first.getString(0));
    assertEquals(ENTRY_BYTES, ((byte[]) first.get(3)).length);
    long afterFirst = localBytesRead() - before;
    assertTrue(afterFirst < 4L * ENTRY_BYTES, "the first row read " + afterFirst
        + " bytes of a " + Files.size(zip) + "-byte archive");
    int n = 1;
    while (rows.hasNext()) {
      rows.next();
      n++;
    }
    assertEquals(ENTRIES + 1, n, "40 images and the nested archive's quarantine row");
    assertTrue(localBytesRead() - before >= Files.size(zip) - 1024);
  }

  @Test
  void theSlicesOfAnArchiveYieldEachEntryOnce(@TempDir Path dir) throws Exception {
    Path zip = archive(dir);
    List<String> all = new ArrayList<>();
    for (int slice = 0; slice < 3; slice++) {
      List<String> mine = new ArrayList<>();
      read(zip, slice, 3).forEachRemaining(r -> mine.add(r.getString(0)));
      assertTrue(mine.size() == 13 || mine.size() == 14, slice + ": " + mine);
      all.addAll(mine);
    }
    List<String> whole = new ArrayList<>();
    read(zip, 0, 1).forEachRemaining(r -> whole.add(r.getString(0)));
    assertEquals(whole.stream().sorted().toList(), all.stream().sorted().toList());
    assertEquals(41, new java.util.HashSet<>(all).size());
  }

  @Test
  void aDamagedArchiveIsReportedByItsFirstSliceOnly(@TempDir Path dir) throws Exception {
    Path zip = archive(dir);
    Path cut = dir.resolve("cut.zip");
    try (var in = Files.newInputStream(zip); OutputStream out = Files.newOutputStream(cut)) {
      out.write(in.readNBytes((int) (Files.size(zip) / 2)));
    }
    List<Row> rows = new ArrayList<>();
    for (int slice = 0; slice < 3; slice++) {
      read(cut, slice, 3).forEachRemaining(rows::add);
    }
    List<Row> corrupt = rows.stream().filter(r -> "corrupt-archive".equals(r.getString(4)))
        .toList();
    assertEquals(1, corrupt.size(), rows.toString());
    assertTrue(corrupt.get(0).getString(5).contains("cannot be read after"));
    long images = rows.stream().filter(r -> r.getString(4) == null).count();
    assertTrue(images >= 15 && images <= 21, images + " entries before the cut");
    List<Row> entries = rows.stream().filter(r -> r != corrupt.get(0)).toList();
    assertEquals(entries.size(), entries.stream().map(r -> r.getString(0)).distinct().count(),
        "no entry twice");
  }
}
