package io.sparkseg.jobs.tiles;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Quarantine;
import io.sparkseg.jobs.io.Samples;
import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code tile}: cuts every ingested image into the configured tiles (Severstal: 6 of 256×512)
 * with their per-class masks, into the {@code tiles} table partitioned by {@code fold}, so a
 * training task reads "all folds but k" by partition pruning. Model-core's
 * {@link io.sparkseg.core.tiling.OverlapStitcher} is the inverse.
 */
public final class TileJob {
  public static final String NAME = "tile";
  /** Parquet row group size of the tiles table. */
  static final int ROW_GROUP_BYTES = 8 << 20;

  private TileJob() {}

  public static JobReport run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());
    TileGeometry geometry = cfg.tileGeometry();
    spark.sparkContext().setJobDescription("tile: cutting " + Samples.table(cfg) + " into "
        + geometry.tileCount() + " tile(s) of " + geometry.tileHeight() + "x"
        + geometry.tileWidth() + " per image");

    Dataset<Row> images = Samples.images(store, cfg);
    Dataset<Row> folds = store.read(TableStore.FOLDS).select("image_id", "fold");
    Dataset<Row> masks = Samples.masks(store, cfg).groupBy("image_id")
        .agg(collect_list(struct(col("class_id"), col("rle"))).as("masks"));
    Dataset<Row> joined = images.join(folds, "image_id", "left").join(masks, "image_id", "left");
    long withoutFold = joined.filter(col("fold").isNull()).count();
    if (withoutFold > 0) {
      throw new IllegalStateException(withoutFold + " samples have no fold: the folds "
          + "table is older than the " + Samples.table(cfg) + " table; run 'folds' again "
          + "before 'tile'");
    }
    Dataset<Row> tiled = joined
        .flatMap(new Tiler(geometry, cfg.data().classes()), Encoders.row(Tiler.SCHEMA))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long imagesIn = Samples.images(store, cfg).count();
      // small row groups: a training task streaming the files holds one row group at a time
      store.overwrite(TableStore.TILES, tiled.filter(col("reason").isNull())
          .drop("reason", "detail"), Map.of("parquet.block.size", String.valueOf(ROW_GROUP_BYTES)),
          "fold");
      Dataset<Row> tiles = store.read(TableStore.TILES);
      long tilesWritten = tiles.count();
      long imagesTiled = tiles.select("image_id").distinct().count();
      Dataset<Row> rejected = tiled.filter(col("reason").isNotNull());
      long quarantined = Quarantine.append(store, Quarantine.rows(rejected, report.runId(), NAME,
          col("source_path"), lit(null), col("image_id"), lit(null), lit(null)));
      long perImage = geometry.tileCount();
      report.count("images_in", imagesIn).count("images_tiled", imagesTiled)
          .count("images_quarantined", quarantined).count("tiles_per_image", perImage)
          .count("tiles_written", tilesWritten);
      report.reconcile("images", imagesIn, JobReport.outcomes("tiled", imagesTiled,
          "quarantined", quarantined));
      report.reconcile("tiles", imagesTiled * perImage, JobReport.outcomes("written", tilesWritten));
      report.line("tiles per fold: " + tiles.groupBy("fold").count().orderBy("fold")
          .collectAsList().stream().map(r -> r.getInt(0) + "=" + r.getLong(1))
          .collect(Collectors.joining(", ")));
    } finally {
      tiled.unpersist();
    }
    return report.finish(spark, store, out);
  }
}
