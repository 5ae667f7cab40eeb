package io.sparkseg.jobs.folds;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.folds.GroupKFold;
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
 * {@link StratifiedKFold}; only (image id, stratum) pairs travel to the driver. Samples with
 * groups (the frames of a scene sequence) are split by {@link GroupKFold} instead: a sequence's
 * frames never fall in two folds.
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
    spark.sparkContext().setJobDescription("folds: " + cfg.folds().k() + "-fold split of "
        + Samples.table(cfg));
    Dataset<Row> masks = Samples.masks(store, cfg).select("image_id", "class_id");
    Dataset<Row> strata = Samples.images(store, cfg).select("image_id")
        .join(masks.groupBy("image_id").agg(countDistinct("class_id").as("defect_classes")),
            "image_id", "left")
        .na().fill(0L, new String[] {"defect_classes"});
    Map<String, Integer> stratumById = new HashMap<>();
    for (Row r : strata.collectAsList()) {
      stratumById.put(r.getString(0), (int) r.getLong(1));
    }
    Dataset<Row> groups = Samples.groups(store, cfg);
    Map<String, Integer> folds;
    int k = cfg.folds().k();
    if (groups == null) {
      folds = new StratifiedKFold(k, cfg.folds().seed()).assign(stratumById);
    } else {
      folds = groupFolds(groups, masks, k, cfg.folds().seed());
      report.count("groups", groups.select("group").distinct().count());
      report.line("group-aware: every sequence's frames share one fold (GroupKFold)");
    }
    List<Row> rows = new ArrayList<>(folds.size());
    folds.forEach((id, fold) -> rows.add(RowFactory.create(id, fold, stratumById.get(id))));
    store.overwrite(TableStore.FOLDS, spark.createDataFrame(rows, SCHEMA));

    Dataset<Row> written = store.read(TableStore.FOLDS);
    long n = written.count();
    report.count("images_in", stratumById.size()).count("k", k)
        .count("seed", cfg.folds().seed()).count("images_assigned", n);
    report.reconcile("images", stratumById.size(), JobReport.outcomes("assigned a fold", n));
    perFoldTable(written, masks, k, cfg.data().classes()).forEach(report::line);
    return report.finish(spark, store, out);
  }

  /**
   * Folds by group ({@link GroupKFold}: a group's images together, class presence stratified at
   * group level), spread to the images.
   */
  static Map<String, Integer> groupFolds(Dataset<Row> groups, Dataset<Row> masks, int k,
      long seed) {
    Map<String, String> groupOf = new HashMap<>();
    Map<String, Integer> images = new HashMap<>();
    Map<String, java.util.Set<Integer>> classes = new HashMap<>();
    for (Row r : groups.collectAsList()) {
      groupOf.put(r.getString(0), r.getString(1));
      images.merge(r.getString(1), 1, Integer::sum);
      classes.computeIfAbsent(r.getString(1), g -> new java.util.HashSet<>());
    }
    for (Row r : groups.join(masks, "image_id").select("group", "class_id").distinct()
        .collectAsList()) {
      classes.get(r.getString(0)).add(r.getInt(1));
    }
    Map<String, GroupKFold.Group> byGroup = new java.util.TreeMap<>();
    images.forEach((g, n) -> byGroup.put(g, new GroupKFold.Group(n, classes.get(g))));
    Map<String, Integer> foldOfGroup = new GroupKFold(k, seed).assign(byGroup);
    Map<String, Integer> folds = new java.util.TreeMap<>();
    groupOf.forEach((id, g) -> folds.put(id, foldOfGroup.get(g)));
    return folds;
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
