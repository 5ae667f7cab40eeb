package io.sparkseg.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkseg.jobs.SparkTestSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What repeat-factor sampling is derived from: each fold's training tiles by class pattern. */
class TilesByPatternTest {
  @Test
  void eachFoldCountsTheOtherFoldsTilesByWhichClassesHavePixels(@TempDir Path work) {
    SparkSession spark = SparkTestSupport.spark(SparkTestSupport.config(work));
    StructType schema = new StructType().add("fold", DataTypes.IntegerType)
        .add("mask_pixels", DataTypes.createArrayType(DataTypes.LongType));
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(0, List.of(0L, 0L, 0L, 0L)));
    rows.add(RowFactory.create(0, List.of(5L, 0L, 0L, 0L)));
    rows.add(RowFactory.create(1, List.of(0L, 0L, 9L, 2L)));
    rows.add(RowFactory.create(1, List.of(0L, 0L, 0L, 0L)));
    rows.add(RowFactory.create(2, List.of(3L, 0L, 0L, 0L)));
    var tiles = spark.createDataFrame(rows, schema);
    Map<Integer, Map<Integer, Long>> p = TrainJob.tilesByPattern(tiles, 3, List.of(0, 2));
    assertEquals(Map.of(0, 1L, 0b1100, 1L, 0b0001, 1L), p.get(0)); // folds 1 and 2
    assertEquals(Map.of(0, 2L, 0b0001, 1L, 0b1100, 1L), p.get(2)); // folds 0 and 1
    assertEquals(2, p.size());
  }
}
