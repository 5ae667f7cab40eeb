package io.sparkseg.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A train.csv line far longer than any row can be is quarantined, not read into memory. */
class LongLineIngestTest {
  @Test
  void aHugeLineIsQuarantinedAndTheOthersKeepTheirLineNumbers(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("demo.train-images", "6",
        "demo.test-images", "0"));
    Pipeline.generateDemo(cfg, new PrintStream(OutputStream.nullOutputStream()));
    Path csv = Path.of(cfg.data().trainCsv());
    List<String> lines = new ArrayList<>(Files.readAllLines(csv, StandardCharsets.UTF_8));
    int good = lines.size() - 1;
    // 8 MB of "1 1 " after an id and class: the limit for 128x800 images is 1 MiB
    String huge = lines.get(1).split(",")[0] + ",2," + "1 1 ".repeat(2_000_000);
    lines.add(2, huge);
    String last = lines.get(lines.size() - 1);
    Files.write(csv, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    assertTrue(Files.size(csv) > 8_000_000);

    SparkSession spark = SparkTestSupport.spark(cfg);
    JobReport report = IngestJob.run(spark, cfg, new PrintStream(System.out, true));
    assertTrue(report.reconciled());
    assertEquals(good + 1, report.count("csv_rows_in"));
    assertEquals(1, report.count("csv_rows_quarantined"));
    TableStore store = new TableStore(spark, cfg.tables());
    Row q = store.read(TableStore.QUARANTINE).filter(col("reason").equalTo("malformed-row"))
        .first();
    assertEquals(3L, (long) q.getAs("line"), "the header is line 1, the huge line line 3");
    assertTrue(q.<String>getAs("detail").contains("bytes: no row for a 128x800 image"),
        q.<String>getAs("detail"));
    assertTrue(q.<String>getAs("raw").length() < 300, "only the line's head is kept");
    // the last row keeps its true line number
    String lastId = last.split(",")[0];
    int lastClass = Integer.parseInt(last.split(",")[1]);
    Row m = store.read(TableStore.MASKS).filter(col("image_id").equalTo(lastId)
        .and(col("class_id").equalTo(lastClass))).first();
    assertEquals((long) lines.size(), (long) m.getAs("source_line"));
  }

  @Test
  void lineIndexSkipsTheLeftOutLines() {
    long[] skipped = {2, 3, 7};
    long[] expected = {0, 1, 4, 5, 6, 8, 9};
    for (int e = 0; e < expected.length; e++) {
      assertEquals(expected[e], LongLines.lineIndex(e, skipped), "emitted " + e);
    }
    assertEquals(1 << 20, LongLines.limit(16, 16));
    assertTrue(LongLines.limit(256, 1600) > 256L * 1600 / 2 * 2 * 7);
  }
}
