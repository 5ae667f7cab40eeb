package io.sparkseg.jobs.folds;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.folds.StratifiedKFold;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Samples;
import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code folds}: stratified K-fold over the ingested images, stratified by the number of
 * defect classes per image (as the Severstal baseline does), into the {@code folds} table
 * (image_id, fold, defect_classes). The assignment itself is model-core's
 * {@link StratifiedKFold}; only (image id, stratum) pairs travel to the driver.
 */
public final class FoldsJob {
  public static final String NAME = "folds";

  static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("fold", DataTypes.IntegerType, false)
      .add("defect_classes", DataTypes.IntegerType, false);

  private FoldsJob() {}

  public static JobReport run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());
    Dataset<Row> masks = Samples.masks(store, cfg).select("image_id", "class_id");
    Dataset<Row> strata = Samples.images(store, cfg).select("image_id")
        .join(masks.groupBy("image_id").agg(countDistinct("class_id").as("defect_classes")),
            "image_id", "left")
        .na().fill(0L, new String[] {"defect_classes"});
    Map<String, Integer> stratumById = new HashMap<>();
    for (Row r : strata.collectAsList()) {
      stratumById.put(r.getString(0), (int) r.getLong(1));
    }
    StratifiedKFold kfold = new StratifiedKFold(cfg.folds().k(), cfg.folds().seed());
    Map<String, Integer> folds = kfold.assign(stratumById);
    List<Row> rows = new ArrayList<>(folds.size());
    folds.forEach((id, fold) -> rows.add(RowFactory.create(id, fold, stratumById.get(id))));
    store.overwrite(TableStore.FOLDS, spark.createDataFrame(rows, SCHEMA));

    Dataset<Row> written = store.read(TableStore.FOLDS);
    long n = written.count();
    report.count("images_in", stratumById.size()).count("k", kfold.k())
        .count("seed", kfold.seed()).count("images_assigned", n);
    report.reconcile("images", stratumById.size(), JobReport.outcomes("assigned a fold", n));
    perFoldTable(written, masks, kfold.k(), cfg.data().classes()).forEach(report::line);
    return report.finish(spark, store, out);
  }

  /** Lines of a per-fold table: images, clean images and images per defect class. */
  static List<String> perFoldTable(Dataset<Row> folds, Dataset<Row> masks, int k, int classes) {
    long[][] perClass = new long[k][classes + 1];
    for (Row r : folds.join(masks, "image_id").groupBy(col("fold"), col("class_id")).count()
        .collectAsList()) {
      perClass[r.getInt(0)][r.getInt(1)] = r.getLong(2);
    }
    long[] images = new long[k];
    long[] clean = new long[k];
    for (Row r : folds.groupBy("fold").count().collectAsList()) {
      images[r.getInt(0)] = r.getLong(1);
    }
    for (Row r : folds.filter(col("defect_classes").equalTo(0)).groupBy("fold").count()
        .collectAsList()) {
      clean[r.getInt(0)] = r.getLong(1);
    }
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-5s %7s %7s", "fold",
        "images", "clean"));
    for (int c = 1; c <= classes; c++) {
      head.append(String.format(Locale.ROOT, " %7s", "class" + c));
    }
    lines.add(head.toString());
    for (int f = 0; f < k; f++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5d %7d %7d", f,
          images[f], clean[f]));
      for (int c = 1; c <= classes; c++) {
        line.append(String.format(Locale.ROOT, " %7d", perClass[f][c]));
      }
      lines.add(line.toString());
    }
    return lines;
  }
}
