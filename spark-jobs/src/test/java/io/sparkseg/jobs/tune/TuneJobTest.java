package io.sparkseg.jobs.tune;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.jobs.CleanEtl;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.train.OofWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/**
 * tune on a synthetic out-of-fold table with a known answer: every tile's probabilities are its
 * true masks at 0.9, plus, for class 1, a 0.6 blob in the corner of each image's first tile.
 * Stitched back into whole images, only a threshold above 0.6 gives a perfect class 1.
 */
class TuneJobTest {
  @Test
  void findsTheThresholdThatRemovesTheFalsePositivesOnStitchedImages() throws Exception {
    SparksegConfig base = CleanEtl.config();
    SparksegConfig cfg = SparkTestSupport.config(Path.of(base.workDir()), Map.of(
        "demo.train-images", "24", "demo.clean-fraction", "0.4",
        "tune.thresholds", "[0.5, 0.7]", "tune.min-areas", "[0]"));
    SparkSession spark = SparkTestSupport.spark(cfg);
    TableStore store = new TableStore(spark, cfg.tables());
    List<Row> tiles = store.read(TableStore.TILES).filter(col("tile_id").isNotNull())
        .select("tile_id", "fold", "tile_index", "height", "width", "mask_rle").collectAsList();
    List<Row> oof = new ArrayList<>();
    for (Row t : tiles) {
      int h = t.getInt(3);
      int w = t.getInt(4);
      List<String> rles = t.getList(5);
      for (int c = 0; c < 4; c++) {
        BinaryMask m = Rle.decode(rles.get(c), h, w);
        float[] p = new float[h * w];
        for (int r = 0; r < h; r++) {
          for (int x = 0; x < w; x++) {
            p[r * w + x] = m.get(r, x) ? 0.9f : 0f;
          }
        }
        if (c == 0 && t.getInt(2) == 0) {
          for (int r = 0; r < 3; r++) {
            for (int x = 0; x < 4; x++) {
              p[r * w + x] = m.get(r, x) ? 0.9f : 0.6f;
            }
          }
        }
        oof.add(RowFactory.create(t.getString(0), t.getInt(1), c + 1, h, w,
            OofWriter.encode(p), "tune1"));
      }
    }
    StructType schema = new StructType().add("tile_id", DataTypes.StringType)
        .add("fold", DataTypes.IntegerType).add("class_id", DataTypes.IntegerType)
        .add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType)
        .add("probabilities", DataTypes.BinaryType).add("run_id", DataTypes.StringType);
    store.replacePartitions(TableStore.OOF, spark.createDataFrame(oof, schema), "run_id");

    Tuning t = TuneJob.run(spark, cfg, "tune1", System.out);
    long images = store.read(TableStore.TILES).filter(col("tile_id").isNotNull())
        .select("image_id").distinct().count();
    assertEquals(images, t.images());
    assertEquals(new ClassRule(0.7f, 0, 0f), t.classes().get(0).rule());
    assertEquals(1.0, t.classes().get(0).dice(), 1e-9);
    assertTrue(t.classes().get(0).defaultDice() < 0.9, "the blob hurts at 0.5: "
        + t.classes().get(0).defaultDice());
    for (int c = 1; c < 4; c++) {
      assertEquals(new ClassRule(0.5f, 0, 0f), t.classes().get(c).rule());
      assertEquals(1.0, t.classes().get(c).dice(), 1e-9);
    }
    Path file = Path.of(cfg.workDir(), "runs", "tune1", Tuning.FILE);
    Tuning read = Tuning.fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    assertEquals(t.classes(), read.classes());
    assertEquals(0.7f, read.postProcessor().rules().get(0).threshold());
  }
}
