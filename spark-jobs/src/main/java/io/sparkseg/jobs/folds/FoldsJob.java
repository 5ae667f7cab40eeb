package io.sparkseg.jobs.folds;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.folds.FoldTable;
import io.sparkseg.core.folds.GroupKFold;
import io.sparkseg.core.folds.StratifiedKFold;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Samples;
import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
    int k = cfg.folds().k();
    spark.sparkContext().setJobDescription("folds: " + k + "-fold split of "
        + Samples.table(cfg));
    // Two narrow scans to the driver (ids, then (id, class) pairs): everything after them --
    // strata, group folds, the per-fold table -- is driver work on these maps. Each further
    // Spark action would open a table again and cost more than the work itself.
    Dataset<Row> groups = Samples.groups(store, cfg);
    Map<String, Set<Integer>> classes = new HashMap<>();
    Map<String, String> groupOf = new HashMap<>();
    for (Row r : (groups == null ? Samples.images(store, cfg).select("image_id") : groups)
        .collectAsList()) {
      classes.put(r.getString(0), new TreeSet<>());
      if (groups != null) {
        groupOf.put(r.getString(0), r.getString(1));
      }
    }
    for (Row r : Samples.masks(store, cfg).select("image_id", "class_id").collectAsList()) {
      Set<Integer> present = classes.get(r.getString(0));
      if (present != null) { // a mask whose image was quarantined has no sample
        present.add(r.getInt(1));
      }
    }
    Map<String, Integer> folds;
    if (groups == null) {
      Map<String, Integer> strata = new HashMap<>();
      classes.forEach((id, present) -> strata.put(id, present.size()));
      folds = new StratifiedKFold(k, cfg.folds().seed()).assign(strata);
    } else {
      folds = new GroupKFold(k, cfg.folds().seed()).assignMembers(groupOf, classes);
      report.count("groups", new HashSet<>(groupOf.values()).size());
      report.line("group-aware: every sequence's frames share one fold (GroupKFold)");
    }
    List<Row> rows = new ArrayList<>(folds.size());
    folds.forEach((id, fold) -> rows.add(RowFactory.create(id, fold, classes.get(id).size())));
    store.overwrite(TableStore.FOLDS, spark.createDataFrame(rows, SCHEMA));

    long n = store.read(TableStore.FOLDS).count(); // from the table as written
    report.count("images_in", classes.size()).count("k", k)
        .count("seed", cfg.folds().seed()).count("images_assigned", n);
    report.reconcile("images", classes.size(), JobReport.outcomes("assigned a fold", n));
    new FoldTable(folds, classes, k, cfg.data().classes()).lines().forEach(report::line);
    return report.finish(spark, store, out);
  }
}
