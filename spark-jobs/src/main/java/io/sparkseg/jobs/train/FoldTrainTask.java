package io.sparkseg.jobs.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.train.FoldTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.resource.ResourceInformation;

/**
 * The body of a training task: takes its GPU (if any) from the task's resources, trains its
 * fold with model-core's {@link FoldTrainer} against checkpoints on the Hadoop FileSystem
 * (so a retried task resumes), writes the OOF file and {@code result.json}, and returns the
 * result as JSON. A fold whose {@code result.json} exists is not trained again.
 */
final class FoldTrainTask implements FlatMapFunction<Iterator<FoldTask>, String> {
  static final String RESULT = "result.json";
  static final String OOF = "oof.parquet";
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
      .create();

  @Override
  public Iterator<String> call(Iterator<FoldTask> tasks) throws IOException {
    List<String> out = new ArrayList<>();
    while (tasks.hasNext()) {
      out.add(train(tasks.next()));
    }
    return out.iterator();
  }

  private static String train(FoldTask t) throws IOException {
    Engines.ensureOffline();
    TaskContext tc = TaskContext.get();
    String gpu = null;
    if (tc != null && tc.resources().contains("gpu")) {
      ResourceInformation info = tc.resources().get("gpu").get();
      gpu = info.addresses()[0];
    }
    Configuration conf = SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf());
    HadoopCheckpointStore store = new HadoopCheckpointStore(t.foldDir(), conf);
    if (store.exists(RESULT)) {
      try (InputStream in = store.open(RESULT)) {
        System.out.println("fold " + t.fold() + " already finished: " + store.location(RESULT));
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    int attempt = tc == null ? 0 : tc.attemptNumber();
    boolean onGpu = gpu != null && t.train().device().equals("auto");
    String device = onGpu ? "gpu:" + gpu : "cpu";
    System.out.printf("fold %d: attempt %d, Spark assigned %s, training on %s (%d train files, "
            + "%d validation files)%n", t.fold(), attempt, gpu == null ? "no GPU" : "GPU " + gpu,
        device, t.trainFiles().size(), t.validationFiles().size());
    long t0 = System.nanoTime();
    long startedAt = System.currentTimeMillis();
    io.sparkseg.core.train.SampleSource train = new ParquetTileSource(t.trainFiles(), conf,
        t.classes(), true, t.train().options().seed(), t.train().prefetch(),
        t.train().shuffleBuffer());
    if (t.sampling() != null) {
      train = t.sampling().apply(train, t.train().options().seed(), t.train().shuffleBuffer(),
          t.expectedTrainTiles());
    }
    ParquetTileSource validation = new ParquetTileSource(t.validationFiles(), conf, t.classes(),
        false, 0, t.train().prefetch(), 1);
    FoldTrainer trainer = new FoldTrainer(t.train().model(), t.train().options(), store,
        Engines.device(onGpu ? gpu : null), System.out).augmenter(t.train().augmenter())
        .progressEvery(t.train().progressSeconds())
        .provenance(t.dataVersion(), t.gitCommit()).classNames(t.classNames());
    if (!t.train().encoderWeights().isEmpty()) {
      Path p = new Path(t.train().encoderWeights());
      trainer.encoderWeights(() -> p.getFileSystem(conf).open(p), p.toString());
    }
    FoldTrainer.Result r;
    int executorCores = CpuShare.executorCores(SparkEnv.get().conf(),
        Runtime.getRuntime().availableProcessors());
    try (CpuShare cpus = new CpuShare(executorCores, tc == null ? 1 : tc.cpus());
        OofWriter oof = new OofWriter(store.location(OOF), conf, t.fold())) {
      trainer.cpuThreads(cpus::threads);
      r = trainer.fit(train, validation, (id, h, w, probs) -> {
        try {
          oof.write(id, h, w, probs);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    FoldResult result = new FoldResult(t.fold(), r.bestEpoch(), r.bestScore(), r.bestMetrics(),
        r.epochsRun(), r.resumedFromEpoch(), attempt, device, gpu, startedAt,
        System.currentTimeMillis(), (System.nanoTime() - t0) / 1e9, r.bestModel(),
        store.location(OOF),
        r.history().size(), r.stoppedEarly(), t.train().model().toString(),
        t.train().options().toString());
    String json = GSON.toJson(result);
    store.write(RESULT, o -> o.write(json.getBytes(StandardCharsets.UTF_8)));
    return json;
  }
}
