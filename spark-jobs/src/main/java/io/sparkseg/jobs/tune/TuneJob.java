package io.sparkseg.jobs.tune;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.ThresholdSearch;
import io.sparkseg.core.infer.Tuning;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.tiling.OverlapStitcher;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.train.OofWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code tune}: for each class, the threshold and minimum component area that maximise Kaggle's
 * Dice on a run's out-of-fold probabilities. The OOF tiles of each image are stitched back into
 * the whole image (as predict will see it), compared with the image's masks over the grid of
 * {@code sparkseg.tune}, per partition, and the partial searches are merged on the driver.
 * Writes {@code runs/<run-id>/postprocessing.json}, which predict then uses.
 */
public final class TuneJob {
  public static final String NAME = "tune";

  private TuneJob() {}

  public static Tuning run(SparkSession spark, SparksegConfig cfg, String runId,
      PrintStream out) {
    if (cfg.train().softmax()) {
      out.println("tune: run " + runId + " is a softmax model: its class maps are the argmax "
          + "of the probabilities, with no per-class threshold or minimum area to tune");
      return null;
    }
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());
    int classes = cfg.data().classes();
    Dataset<Row> oof = store.read(TableStore.OOF).filter(col("run_id").equalTo(runId));
    Dataset<Row> tiles = store.read(TableStore.TILES).filter(col("tile_id").isNotNull())
        .select("tile_id", "image_id", "y", "x");
    Dataset<Row> perImage = oof.join(tiles, TableStore.columns("tile_id"))
        .groupBy("image_id")
        .agg(collect_list(struct(col("y"), col("x"), col("class_id"), col("height"),
            col("width"), col("probabilities"))).as("planes"));
    Dataset<Row> masks = io.sparkseg.jobs.io.Samples.masks(store, cfg).groupBy("image_id")
        .agg(collect_list(struct(col("class_id"), col("rle"))).as("masks"));
    Dataset<Row> joined = perImage.join(masks, TableStore.columns("image_id"), "left");

    SparksegConfig.Tune grid = cfg.tune();
    spark.sparkContext().setJobDescription("sparkseg tune " + runId);
    List<ThresholdSearch> partials = joined.javaRDD()
        .mapPartitions(new Search(cfg.tileGeometry(), classes, grid))
        .collect();
    ThresholdSearch search = Search.of(classes, grid);
    partials.forEach(search::merge);
    if (search.images() == 0) {
      throw new IllegalStateException("run " + runId + " has no out-of-fold predictions in "
          + store.path(TableStore.OOF) + "; train it first");
    }
    Tuning tuning = new Tuning(runId, search.images(), grid.thresholds(), grid.minAreas(),
        grid.maxAreas(), search.best(0f), Instant.now().toString());
    String file = cfg.workDir() + "/runs/" + runId + "/" + Tuning.FILE;
    write(spark, file, tuning.toJson());
    io.sparkseg.jobs.train.RunCards.update(cfg.workDir() + "/runs/" + runId,
        spark.sparkContext().hadoopConfiguration(), card -> card.withPostProcessing(
            io.sparkseg.jobs.train.RunCards.postProcessing(tuning, file), tuning.tunedAt()));

    report.count("oof_images", search.images());
    report.line(String.format(Locale.ROOT, "%-6s %9s %8s %8s %10s %14s", "class", "threshold",
        "min area", "max area", "oof dice", "at 0.5, no area"));
    for (ThresholdSearch.Choice c : tuning.classes()) {
      report.line(String.format(Locale.ROOT, "%-6d %9.2f %8d %8s %10.4f %14.4f", c.classId(),
          c.rule().threshold(), c.rule().minArea(),
          ClassRule.maxAreaText(c.rule().maxArea()), c.dice(),
          c.defaultDice()));
    }
    double[] mean = tuning.meanDice();
    report.line(String.format(Locale.ROOT, "mean Kaggle Dice on %d out-of-fold images: %.4f "
        + "tuned, %.4f with threshold 0.5 and no minimum area", search.images(), mean[0],
        mean[1]));
    report.line("post-processing: " + file);
    report.finish(spark, store, out);
    return tuning;
  }

  private static void write(SparkSession spark, String file, String json) {
    Path p = new Path(file);
    try (java.io.OutputStream o = io.sparkseg.jobs.io.OutputFiles.create(p,
        spark.sparkContext().hadoopConfiguration())) {
      o.write(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** One partition's images into one partial search. */
  static final class Search implements FlatMapFunction<Iterator<Row>, ThresholdSearch> {
    private final TileGeometry geometry;
    private final int classes;
    private final SparksegConfig.Tune grid;

    Search(TileGeometry geometry, int classes, SparksegConfig.Tune grid) {
      this.geometry = geometry;
      this.classes = classes;
      this.grid = grid;
    }

    static ThresholdSearch of(int classes, SparksegConfig.Tune grid) {
      return new ThresholdSearch(classes, grid.thresholds(), grid.minAreas(), grid.maxAreas());
    }

    @Override
    public Iterator<ThresholdSearch> call(Iterator<Row> images) {
      ThresholdSearch search = of(classes, grid);
      int h = geometry.imageHeight();
      int w = geometry.imageWidth();
      while (images.hasNext()) {
        Row r = images.next();
        String id = r.getAs("image_id");
        // tile (y, x) -> its class planes
        Map<String, float[][]> byTile = new HashMap<>();
        Map<String, Tile> tileAt = new HashMap<>();
        for (Row pl : r.<Row>getList(r.fieldIndex("planes"))) {
          int y = pl.getInt(0);
          int x = pl.getInt(1);
          int c = pl.getInt(2);
          int th = pl.getInt(3);
          int tw = pl.getInt(4);
          String key = y + "," + x;
          tileAt.putIfAbsent(key, new Tile(tileAt.size(), y, x, th, tw));
          float[][] planes = byTile.computeIfAbsent(key, k -> new float[classes][]);
          planes[c - 1] = OofWriter.decode((byte[]) pl.get(5), th * tw);
        }
        OverlapStitcher stitcher = new OverlapStitcher(geometry, classes);
        for (Map.Entry<String, float[][]> e : byTile.entrySet()) {
          for (int c = 0; c < classes; c++) {
            if (e.getValue()[c] == null) {
              throw new IllegalStateException("out-of-fold tile " + id + " at " + e.getKey()
                  + " lacks class " + (c + 1));
            }
          }
          stitcher.add(tileAt.get(e.getKey()), e.getValue());
        }
        BinaryMask[] truth = new BinaryMask[classes];
        if (!r.isNullAt(r.fieldIndex("masks"))) {
          for (Row m : r.<Row>getList(r.fieldIndex("masks"))) {
            truth[m.getInt(0) - 1] = Rle.decode(m.getString(1), h, w);
          }
        }
        search.add(stitcher.result(), truth, h, w);
      }
      List<ThresholdSearch> out = new ArrayList<>(1);
      out.add(search);
      return out.iterator();
    }
  }
}
