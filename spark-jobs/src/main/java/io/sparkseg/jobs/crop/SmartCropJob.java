package io.sparkseg.jobs.crop;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.labelstudio.LabelStudioExport;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.jobs.JobReport;
import io.sparkseg.jobs.io.Inputs;
import io.sparkseg.jobs.io.Quarantine;
import io.sparkseg.jobs.io.TableStore;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code smart-crop}: the ingest step of the person-photo family. Photos ({@code binaryFile},
 * local or s3a://) and a Label Studio export → per photo, the person is detected (detector
 * loaded once per executor JVM), a square around the torso is cut and resized, and the task's
 * masks are drawn on it → the {@code crops} table, whose sample columns ({@code image_id},
 * {@code content}, {@code mask_rle}, {@code mask_pixels}, {@code source_path},
 * {@code content_hash}) are what {@code folds} and {@code tile} read with
 * {@code dataset.kind = person-photos}. Incremental: a photo already cropped with the same
 * content, task and detector/ROI settings is skipped. Every photo and every task ends up
 * cropped, skipped or quarantined, and the report proves it.
 */
public final class SmartCropJob {
  public static final String NAME = "smart-crop";

  private SmartCropJob() {}

  private static final StructType PAIRS = new StructType()
      .add("source_path", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, false)
      .add("task_position", DataTypes.IntegerType, false)
      .add("task_id", DataTypes.StringType, true)
      .add("task_json", DataTypes.StringType, false);

  /** A task as the driver sees it: position (1-based), id, image reference and its JSON. */
  record TaskRef(int position, String id, String image, String json) {}

  /** A photo or task set aside before cropping. */
  record Rejected(String imageId, String sourcePath, Integer position, String taskId,
      QuarantineReason reason, String detail) {}

  public static JobReport run(SparkSession spark, SparksegConfig cfg, PrintStream out) {
    SparksegConfig.Photos photos = cfg.photos();
    Inputs.requireExists(spark, "sparkseg.photos.images", photos.images(), true);
    Inputs.requireExists(spark, "sparkseg.photos.annotations", photos.annotations(), false);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    TableStore store = new TableStore(spark, cfg.tables());
    JobReport report = new JobReport(NAME, JobReport.newRunId());
    String settings = photos.detector().settingsKey(photos.roi(), photos.fallback());
    String settingsHash = ContentHash.sha256(settings.getBytes(StandardCharsets.UTF_8));
    out.println("smart-crop: " + settings);

    spark.sparkContext().setJobDescription("smart-crop: listing photos");
    Dataset<Row> files = spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", cfg.data().imageGlob())
        .load(photos.images())
        .select("path", "modificationTime", "length", "content");
    // empty photos and names starting with _ or . are skipped by Spark: read and count them
    List<String> unlisted = io.sparkseg.jobs.io.UnlistedFiles.list(hadoop, photos.images(),
        cfg.data().imageGlob());
    if (!unlisted.isEmpty()) {
      files = files.unionByName(io.sparkseg.jobs.io.UnlistedFiles.read(spark, unlisted));
    }
    List<String> paths = files.select("path").as(Encoders.STRING()).collectAsList();

    List<Rejected> rejected = new ArrayList<>();
    List<TaskRef> tasks = new ArrayList<>();
    String exportError = readTasks(photos.annotations(), hadoop, tasks);
    if (exportError != null) {
      rejected.add(new Rejected(null, photos.annotations(), tasks.size() + 1, null,
          QuarantineReason.MALFORMED_ANNOTATION, photos.annotations() + ": " + exportError
              + " (tasks from position " + (tasks.size() + 1) + " on are lost)"));
    }
    List<Row> pairs = match(paths, tasks, photos.images(), rejected);

    Set<String> done = new HashSet<>();
    if (store.exists(TableStore.CROPS)) {
      for (Row r : store.read(TableStore.CROPS).filter(col("settings_hash").equalTo(settingsHash))
          .select("image_id", "content_hash", "task_hash").collectAsList()) {
        done.add(PhotoCropFunction.doneKey(r.getString(0), r.getString(1), r.getString(2)));
      }
    }
    Dataset<Row> matched = spark.createDataFrame(pairs, PAIRS);
    Dataset<Row> input = files.select(col("path").as("source_path"),
            col("modificationTime").as("modified_at"), col("content"))
        .join(matched, "source_path");
    int partitions = Math.max(1, Math.min(pairs.size(),
        spark.sparkContext().defaultParallelism() * 2));
    spark.sparkContext().setJobDescription("smart-crop: detecting and cropping "
        + pairs.size() + " photos");
    Dataset<Row> cropped = input.repartition(partitions, col("image_id"))
        .mapPartitions(new PhotoCropFunction(photos, cfg.data().classes(), settingsHash, done,
            hadoop), Encoders.row(PhotoCropFunction.SCHEMA))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // the photos are detected and cropped once, here, into the persisted rows every later
      // step (the MERGE, the retain, the counts) reads
      Map<String, Long> status = new TreeMap<>();
      for (Row r : cropped.groupBy("status").count().collectAsList()) {
        status.put(r.getString(0), r.getLong(1));
      }
      long rowsBefore = store.exists(TableStore.CROPS) ? store.read(TableStore.CROPS).count()
          : 0;
      spark.sparkContext().setJobDescription("smart-crop: writing crops");
      Dataset<Row> newCrops = cropped.filter(col("status").equalTo("cropped"))
          .drop("status", "reason", "detail")
          .withColumn("annotations_path", lit(photos.annotations()))
          .withColumn("job_run_id", lit(report.runId()))
          .withColumn("cropped_at", current_timestamp());
      store.upsert(TableStore.CROPS, newCrops, List.of("image_id"),
          "t.content_hash <> s.content_hash OR t.settings_hash <> s.settings_hash "
              + "OR t.task_hash <> s.task_hash");
      // the table mirrors this input, as ingest's tables do theirs: the crops of photos or tasks
      // that have left it (or that failed this time) go, or folds and train would use them
      Dataset<Row> inInput = cropped.filter(col("status").isin("cropped", "skipped"))
          .select("image_id");
      long notInInput = store.read(TableStore.CROPS).select("image_id")
          .join(inInput, TableStore.columns("image_id"), "left_anti").count();
      if (notInInput > 0) {
        store.retainOnly(TableStore.CROPS, inInput, "image_id");
      }
      long croppedN = status.getOrDefault("cropped", 0L);
      long skipped = status.getOrDefault("skipped", 0L);

      Dataset<Row> early = spark.createDataFrame(rejectedRows(rejected), REJECTED);
      Dataset<Row> late = cropped.filter(col("status").equalTo("quarantined"))
          .select(col("image_id"), col("source_path"), col("task_position"), col("task_id"),
              col("reason"), col("detail"));
      Dataset<Row> all = early.unionByName(late);
      long quarantined = Quarantine.append(store, Quarantine.rows(all, report.runId(), NAME,
          col("source_path"), col("task_position"), col("image_id"), lit(null),
          col("task_id")));
      Quarantine.byReason(all).forEach((reason, n) -> report.count("quarantined." + reason, n));
      long photosQuarantinedEarly = rejected.stream()
          .filter(x -> x.imageId() != null && x.position() == null).count();
      long tasksQuarantinedEarly = rejected.stream().filter(x -> x.position() != null).count();
      long lateQuarantined = status.getOrDefault("quarantined", 0L);
      Dataset<Row> table = store.read(TableStore.CROPS);
      long inTable = table.count();
      long thisRun = table.filter(col("job_run_id").equalTo(report.runId())).count();
      long fallbacks = table.filter(col("job_run_id").equalTo(report.runId())
          .and(col("fallback").isNotNull())).count();
      report.count("photos_in", paths.size()).count("tasks_in", tasks.size()
              + (exportError != null ? 1 : 0))
          .count("photos_cropped", croppedN).count("photos_skipped_unchanged", skipped)
          .count("crops_written_this_run", thisRun).count("crops_with_fallback", fallbacks)
          .count("crops_in_table", inTable).count("crops_in_table_before", rowsBefore)
          .count("crops_removed_not_in_input", notInInput)
          .count("quarantined", quarantined);
      report.reconcile("photos", paths.size(), JobReport.outcomes("cropped", thisRun,
          "unchanged", skipped, "quarantined", photosQuarantinedEarly + lateQuarantined));
      report.reconcile("crops in the table", inTable, JobReport.outcomes("written this run",
          thisRun, "unchanged", skipped));
      report.reconcile("tasks", tasks.size() + (exportError != null ? 1 : 0),
          JobReport.outcomes("with a photo", pairs.size(), "quarantined", tasksQuarantinedEarly));
      if (fallbacks > 0) {
        report.line(fallbacks + " photos had nobody detected: cropped by the '"
            + photos.fallback().code() + "' fallback (column fallback)");
      }
    } finally {
      cropped.unpersist();
    }
    return report.finish(spark, store, out);
  }

  private static final StructType REJECTED = new StructType()
      .add("image_id", DataTypes.StringType, true)
      .add("source_path", DataTypes.StringType, true)
      .add("task_position", DataTypes.IntegerType, true)
      .add("task_id", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, false);

  private static List<Row> rejectedRows(List<Rejected> rejected) {
    List<Row> rows = new ArrayList<>();
    for (Rejected r : rejected) {
      rows.add(RowFactory.create(r.imageId(), r.sourcePath(), r.position(), r.taskId(),
          r.reason().code(), r.detail()));
    }
    return rows;
  }

  /** Streams the export's tasks (their JSON) to the driver; returns the export error, if any. */
  static String readTasks(String location, Configuration hadoop, List<TaskRef> tasks) {
    Path p = new Path(location);
    try (Reader r = new InputStreamReader(p.getFileSystem(hadoop).open(p),
        StandardCharsets.UTF_8)) {
      return LabelStudioExport.split(r, raw -> {
        String id = null;
        String image = null;
        try {
          JsonElement e = JsonParser.parseString(raw.json());
          if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            id = o.has("id") && o.get("id").isJsonPrimitive() ? o.get("id").getAsString() : null;
            JsonElement data = o.get("data");
            if (data != null && data.isJsonObject() && data.getAsJsonObject().has("image")
                && data.getAsJsonObject().get("image").isJsonPrimitive()) {
              image = data.getAsJsonObject().get("image").getAsString();
            }
          }
        } catch (RuntimeException ignored) {
          // left for parseTask, which names the problem
        }
        tasks.add(new TaskRef(raw.index() + 1, id, image, raw.json()));
      });
    } catch (IOException e) {
      throw new UncheckedIOException("sparkseg.photos.annotations: cannot read " + location
          + ": " + e.getMessage(), e);
    }
  }

  /**
   * Pairs tasks with photos: each task's candidate paths (see
   * {@link LabelStudioExport.Task#imageCandidates}) against the photos' paths relative to the
   * root, then file names. A photo's id is its file name; a second photo of the same name, a
   * second task for a photo, a task without photo and a photo without task are set aside.
   */
  static List<Row> match(List<String> paths, List<TaskRef> tasks, String root,
      List<Rejected> rejected) {
    String prefix = normalizedRoot(root);
    Map<String, String> byRelative = new HashMap<>();
    Map<String, String> byName = new LinkedHashMap<>();
    for (String path : paths.stream().sorted().toList()) {
      String name = path.substring(path.lastIndexOf('/') + 1);
      String rel = relative(path, prefix);
      if (byName.containsKey(name)) {
        rejected.add(new Rejected(name, path, null, null, QuarantineReason.DUPLICATE_IMAGE,
            "same image id as " + byName.get(name)));
        continue;
      }
      byName.put(name, path);
      byRelative.put(rel, path);
    }
    Map<String, TaskRef> taskOfPath = new LinkedHashMap<>();
    for (TaskRef t : tasks) {
      String task = "task " + (t.id() == null ? "#" + t.position() : t.id());
      if (t.image() == null || t.image().isBlank()) {
        rejected.add(new Rejected(null, null, t.position(), t.id(),
            QuarantineReason.MALFORMED_ANNOTATION, task + " (position " + t.position()
                + " in the export): no data.image"));
        continue;
      }
      List<String> candidates = LabelStudioExport.Task.imageCandidates(t.image());
      String path = null;
      for (String c : candidates) {
        path = byRelative.get(c);
        if (path == null) {
          path = byName.get(c.substring(c.lastIndexOf('/') + 1));
        }
        if (path != null) {
          break;
        }
      }
      if (path == null) {
        rejected.add(new Rejected(null, null, t.position(), t.id(),
            QuarantineReason.MISSING_IMAGE, task + ": no photo " + candidates + " under "
                + root));
      } else if (taskOfPath.containsKey(path)) {
        TaskRef first = taskOfPath.get(path);
        rejected.add(new Rejected(null, path, t.position(), t.id(),
            QuarantineReason.DUPLICATE_IMAGE, task + " refers to the same photo as task "
                + (first.id() == null ? "#" + first.position() : first.id())));
      } else {
        taskOfPath.put(path, t);
      }
    }
    List<Row> pairs = new ArrayList<>();
    for (Map.Entry<String, String> e : byName.entrySet()) {
      TaskRef t = taskOfPath.get(e.getValue());
      if (t == null) {
        rejected.add(new Rejected(e.getKey(), e.getValue(), null, null,
            QuarantineReason.NO_ANNOTATION, e.getValue() + ": no task of the export refers to "
                + "this photo"));
      } else {
        pairs.add(RowFactory.create(e.getValue(), e.getKey(), t.position(), t.id(), t.json()));
      }
    }
    return pairs;
  }

  private static String normalizedRoot(String root) {
    String r = new Path(root).toUri().getPath();
    return r.endsWith("/") ? r : r + "/";
  }

  private static String relative(String path, String rootPath) {
    String p = new Path(path).toUri().getPath();
    return p.startsWith(rootPath) ? p.substring(rootPath.length()) : p.substring(
        p.lastIndexOf('/') + 1);
  }
}
