package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.config.TableFormat;
import io.sparkseg.jobs.ingest.IngestJob;
import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The legacy {@code ImageId_ClassId,EncodedPixels} layout, ingested into Parquet tables. */
class LegacyCsvParquetTest {
  @Test
  void legacyLayoutGivesTheSameMasksAndCountsEmptyRows(@TempDir Path work) throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("tables.format", "parquet"));
    assertEquals(TableFormat.PARQUET, cfg.tables().format());
    Pipeline.generateDemo(cfg, System.out);
    Path csv = Path.of(cfg.data().trainCsv());
    List<String> modern = Files.readAllLines(csv);
    Map<String, String> rle = new HashMap<>();
    modern.subList(1, modern.size()).forEach(l -> {
      String[] f = l.split(",");
      rle.put(f[0] + "_" + f[1], f[2]);
    });
    TreeSet<String> ids = new TreeSet<>();
    try (var s = Files.list(Path.of(cfg.data().trainImages()))) {
      s.forEach(p -> ids.add(p.getFileName().toString()));
    }
    List<String> legacy = new ArrayList<>();
    legacy.add("ImageId_ClassId,EncodedPixels");
    for (String id : ids) {
      for (int c = 1; c <= 4; c++) {
        legacy.add(id + "_" + c + "," + rle.getOrDefault(id + "_" + c, ""));
      }
    }
    Files.write(csv, legacy);

    SparkSession spark = SparkTestSupport.spark(cfg);
    JobReport report = IngestJob.run(spark, cfg, new PrintStream(OutputStream.nullOutputStream()));
    int masks = modern.size() - 1;
    assertEquals(1, report.count("csv_layout_legacy"));
    assertEquals(ids.size() * 4L, report.count("csv_rows_in"));
    assertEquals(masks, report.count("masks_written"));
    assertEquals(ids.size() * 4L - masks, report.count("csv_no_defect_rows"));
    assertEquals(0, report.count("csv_rows_quarantined"));
    assertTrue(report.reconciled());

    TableStore store = new TableStore(spark, cfg.tables());
    Map<String, String> stored = new HashMap<>();
    for (Row r : store.read(TableStore.MASKS).collectAsList()) {
      stored.put(r.getAs("image_id") + "_" + r.getAs("class_id"), r.getAs("rle"));
    }
    assertEquals(rle, stored);
    Path masksDir = Path.of(store.path(TableStore.MASKS));
    assertFalse(Files.exists(masksDir.resolve("_delta_log")), "parquet, not delta");
    try (var s = Files.list(masksDir)) {
      assertTrue(s.anyMatch(p -> p.toString().endsWith(".parquet")));
    }
  }
}
