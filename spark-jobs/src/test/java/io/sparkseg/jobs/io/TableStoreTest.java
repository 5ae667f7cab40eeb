package io.sparkseg.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.SparkTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TableStore's retainOnly in both table formats: what stays, idempotence, nothing left over. */
class TableStoreTest {
  @ParameterizedTest
  @ValueSource(strings = {"delta", "parquet"})
  void retainOnlyKeepsTheGivenKeysAndDropsTheRest(String format, @TempDir Path work)
      throws Exception {
    SparksegConfig cfg = SparkTestSupport.config(work, Map.of("tables.format", format));
    SparkSession spark = SparkTestSupport.spark(cfg);
    TableStore store = new TableStore(spark, cfg.tables());
    Dataset<Row> rows = spark.createDataset(List.of("a", "b", "c", "d", "e"), Encoders.STRING())
        .toDF("image_id").selectExpr("image_id", "length(image_id) + ascii(image_id) AS v");
    store.append("t", rows);
    Dataset<Row> keep = spark.createDataset(List.of("b", "d", "x"), Encoders.STRING())
        .toDF("image_id");
    for (int round = 0; round < 2; round++) { // a repeated call changes nothing
      store.retainOnly("t", keep, "image_id");
      List<String> ids = store.read("t").orderBy("image_id").select("image_id")
          .as(Encoders.STRING()).collectAsList();
      assertEquals(List.of("b", "d"), ids, format + " round " + round);
    }
    assertEquals(99, store.read("t").filter("image_id = 'b'").first().<Integer>getAs("v"),
        "rows kept whole");
    try (var s = Files.list(Path.of(store.path("t")).getParent())) {
      assertEquals(List.of("t"), s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("t")).toList(), "no folder left beside the table");
    }
  }
}
