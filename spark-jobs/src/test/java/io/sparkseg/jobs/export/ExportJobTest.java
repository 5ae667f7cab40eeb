package io.sparkseg.jobs.export;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.export.ExportedModel;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.SparkTestSupport;
import io.sparkseg.jobs.io.TableStore;
import io.sparkseg.jobs.predict.PredictFixtures;
import io.sparkseg.jobs.predict.PredictJob;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export writes a run's fold ensemble as ONNX + sidecar, and predict with
 * {@code predict.model = x.onnx} (ONNX Runtime) scores the same images as predict with the
 * run's PyTorch models: same rows, probabilities within 1e-4, same masks but for pixels whose
 * probability sits within that of a threshold.
 */
class ExportJobTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static SparksegConfig config(Path work, Map<String, String> extra) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("demo.test-images", "4");
    o.put("predict.overlays", "0");
    o.putAll(extra);
    return SparkTestSupport.config(work, o);
  }

  @Test
  void theExportedEnsembleScoresAsTheRunsModels(@TempDir Path work) throws Exception {
    // class 1 combined by the folds' maximum, the others by their mean: in predict's PyTorch
    // ensemble and in the exported graph alike
    SparksegConfig cfg = config(work, Map.of("predict.run-id", "r1",
        "predict.fold-max-classes", "[1]"));
    Pipeline.generateDemo(cfg, QUIET);
    PredictFixtures.writeRun(work, "r1", 2);
    Files.writeString(work.resolve("runs/r1/summary.json"), "{}");

    Path onnx = work.resolve("exports/r1.onnx");
    ExportJob.Result r = ExportJob.run(cfg, new Configuration(), null, null, true,
        onnx.toString(), System.out);
    assertTrue(r.maxDifference() < ExportJob.TOLERANCE, "checked: " + r.maxDifference());
    assertTrue(Files.size(onnx) > 100_000 && Files.size(onnx) == r.bytes());
    ExportedModel d = ExportedModel.fromJson(Files.readString(work.resolve("exports/r1.json")),
        "sidecar");
    assertEquals("r1", d.runId());
    assertEquals(List.of("fold-0", "fold-1"), d.models());
    assertEquals(4, d.classes());
    assertTrue(d.flipTta());
    assertEquals(List.of(1), d.foldMaxClasses(), "the sidecar says how the graph combines");
    assertEquals(cfg.tileGeometry(), d.tileGeometry());
    try (var in = Files.newInputStream(onnx)) {
      ai.onnx.proto.OnnxMl.ModelProto proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(in);
      assertTrue(proto.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals(
          "fold_max_classes") && e.getValue().equals("[1]")), proto.getMetadataPropsList()
          .toString());
      assertTrue(proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType()
          .equals("Max")), "the folds' maximum is in the graph");
    }

    SparkSession spark = SparkTestSupport.spark(cfg);
    PredictJob.Result pytorch = PredictJob.run(spark, cfg, System.out);
    SparksegConfig onnxCfg = config(work, Map.of("predict.model", onnx.toString(),
        "predict.submission", work.resolve("onnx-submission.csv").toString()));
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    PredictJob.Result ort = PredictJob.run(spark, onnxCfg, new PrintStream(said, true,
        java.nio.charset.StandardCharsets.UTF_8));
    System.out.print(said.toString(java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(said.toString(java.nio.charset.StandardCharsets.UTF_8).contains(
        "the folds' maximum for classes [1] in the graph"), "predict says how the file combines");
    assertEquals(4, pytorch.scored());
    assertEquals(4, ort.scored());
    assertTrue(ort.modelRunId().startsWith("model-"), ort.modelRunId());

    Map<String, Row> byKey = new HashMap<>();
    for (Row row : rows(spark, cfg, "r1")) {
      byKey.put(row.getAs("image_id") + "/" + row.getAs("class_id"), row);
    }
    List<Row> onnxRows = rows(spark, cfg, ort.modelRunId());
    assertEquals(byKey.size(), onnxRows.size());
    long pixels = 0;
    long differing = 0;
    for (Row o : onnxRows) {
      Row p = byKey.get(o.getAs("image_id") + "/" + o.getAs("class_id"));
      assertTrue(p != null, "same (image, class) rows");
      float dp = Math.abs(o.<Float>getAs("max_probability") - p.<Float>getAs("max_probability"));
      assertTrue(dp < 1e-4, "max probability " + o + " vs " + p);
      differing += Math.abs(o.<Long>getAs("pixel_count") - p.<Long>getAs("pixel_count"));
      pixels += (long) o.<Integer>getAs("height") * o.<Integer>getAs("width");
    }
    assertTrue(differing <= pixels / 10_000, differing + " of " + pixels
        + " pixels differ between ONNX Runtime and PyTorch masks");

    // a file that is not a sparkseg export is refused before any scoring, naming it
    Path foreign = work.resolve("foreign.onnx");
    Files.write(foreign, new byte[] {8, 8});
    SparksegConfig bad = config(work, Map.of("predict.model", foreign.toString()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PredictJob.run(spark, bad, QUIET));
    assertTrue(e.getMessage().contains(foreign.toString())
        && e.getMessage().contains("no 'sparkseg' metadata entry"), e.getMessage());
  }

  @Test
  void refusesARunTrainedOnOtherTilesThanTheConfigurationCuts(@TempDir Path work)
      throws Exception {
    SparksegConfig cfg = config(work, Map.of());
    PredictFixtures.writeRun(work, "r2", 1);
    Path card = work.resolve("runs/r2/fold-0/best.json");
    Files.writeString(card, Files.readString(card).replace("\"inputHeight\": -1",
        "\"inputHeight\": 64").replace("\"inputWidth\": -1", "\"inputWidth\": 64"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExportJob.run(cfg, new Configuration(), "r2", 0, false,
            work.resolve("r2.onnx").toString(), QUIET));
    assertTrue(e.getMessage().contains("trained on 64x64 tiles"), e.getMessage());
    assertTrue(!Files.exists(work.resolve("r2.onnx")), "nothing written");
  }

  private static List<Row> rows(SparkSession spark, SparksegConfig cfg, String runId) {
    return new TableStore(spark, cfg.tables()).read(TableStore.PREDICTIONS)
        .filter(col("model_run_id").equalTo(runId)).collectAsList();
  }
}
