package io.sparkseg.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.train.TrainingSample;
import io.sparkseg.jobs.CleanEtl;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class ParquetTileSourceTest {
  private static List<String> ids(ParquetTileSource s, int epoch) {
    List<String> out = new ArrayList<>();
    s.samples(epoch).forEachRemaining(t -> out.add(t.id()));
    return out;
  }

  @Test
  void streamsExactlyTheTilesOfTheChosenFoldsWithTheirMasks() throws Exception {
    SparksegConfig cfg = CleanEtl.config();
    SparkSession spark = SparkTestSupport.spark(cfg);
    Dataset<Row> tiles = new TableStore(spark, cfg.tables()).read(TableStore.TILES)
        .filter(col("fold").notEqual(0));
    List<String> files = Arrays.asList(tiles.inputFiles());
    ParquetTileSource source = new ParquetTileSource(files,
        spark.sparkContext().hadoopConfiguration(), 4, true, 5, 8, 16);
    Map<String, Row> expected = new HashMap<>();
    for (Row r : tiles.collectAsList()) {
      expected.put(r.getAs("tile_id"), r);
    }
    assertEquals(expected.size(), source.size(), "row count from the Parquet footers");

    List<String> seen = new ArrayList<>();
    var it = source.samples(0);
    while (it.hasNext()) {
      TrainingSample s = it.next();
      seen.add(s.id());
      Row r = expected.get(s.id());
      assertEquals(ImageCodec.decode(r.getAs("content")), s.image(), s.id());
      List<String> rles = r.getList(r.fieldIndex("mask_rle"));
      for (int c = 0; c < 4; c++) {
        BinaryMask want = Rle.decode(rles.get(c), 128, 256);
        BinaryMask got = s.masks()[c] == null ? new BinaryMask(128, 256) : s.masks()[c];
        assertEquals(want, got, s.id() + " class " + (c + 1));
      }
    }
    assertEquals(expected.size(), seen.size());
    assertEquals(expected.keySet(), new java.util.HashSet<>(seen), "every tile exactly once");

    assertEquals(ids(source, 3), ids(source, 3), "an epoch's order depends on (seed, epoch)");
    assertNotEquals(ids(source, 3), ids(source, 4), "and changes between epochs");
    ParquetTileSource ordered = new ParquetTileSource(files,
        spark.sparkContext().hadoopConfiguration(), 4, false, 5, 8, 16);
    assertEquals(ids(ordered, 0), ids(ordered, 1), "validation order is fixed");
    assertTrue(seen.size() >= 6 * 10, "two folds of 24 images, 6 tiles each");
  }
}
