package io.sparkseg.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The Databricks job definitions under submit/ name our main class and valid command lines. */
class SubmitDefinitionsTest {
  @Test
  void everyJobDefinitionRunsAValidCommand() throws Exception {
    Path submit = Path.of(System.getProperty("sparkseg.repo.root", ".."), "submit");
    List<Path> jobs;
    try (var s = Files.list(submit)) {
      jobs = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(jobs.isEmpty(), "no job definitions in " + submit);
    for (Path job : jobs) {
      JsonObject o = JsonParser.parseString(Files.readString(job)).getAsJsonObject();
      for (JsonElement t : o.getAsJsonArray("tasks")) {
        JsonObject task = t.getAsJsonObject().getAsJsonObject("spark_jar_task");
        assertEquals(Main.class.getName(), task.get("main_class_name").getAsString(), job
            .toString());
        List<String> args = new ArrayList<>();
        task.getAsJsonArray("parameters").forEach(p -> args.add(p.getAsString()));
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), job + ": " + args);
      }
    }
  }

  private static List<Path> definitions() throws Exception {
    Path submit = Path.of(System.getProperty("sparkseg.repo.root", ".."), "submit");
    try (var s = Files.list(submit)) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  /** The cluster a task runs on: its own new_cluster or the job cluster it names. */
  private static JsonObject cluster(JsonObject job, JsonObject task) {
    if (task.has("new_cluster")) {
      return task.getAsJsonObject("new_cluster");
    }
    String key = task.get("job_cluster_key").getAsString();
    for (JsonElement c : job.getAsJsonArray("job_clusters")) {
      if (c.getAsJsonObject().get("job_cluster_key").getAsString().equals(key)) {
        return c.getAsJsonObject().getAsJsonObject("new_cluster");
      }
    }
    throw new AssertionError("no job cluster " + key);
  }

  private static String command(JsonObject task) {
    return task.getAsJsonObject("spark_jar_task").getAsJsonArray("parameters").get(0)
        .getAsString();
  }

  @Test
  void clustersAreDedicatedAndOnlyTrainingHoldsWholeGpus() throws Exception {
    for (Path file : definitions()) {
      JsonObject job = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
      for (JsonElement t : job.getAsJsonArray("tasks")) {
        JsonObject task = t.getAsJsonObject();
        JsonObject c = cluster(job, task);
        // SparkContext, RDDs and stage-level scheduling need dedicated (single-user) access
        assertEquals("SINGLE_USER", c.get("data_security_mode").getAsString(), file + " "
            + task.get("task_key"));
        boolean gpu = c.get("spark_version").getAsString().contains("gpu");
        assertEquals(command(task).equals("train"), gpu, file + ": GPU cluster exactly where "
            + "training runs, not for " + command(task));
        JsonObject conf = c.has("spark_conf") ? c.getAsJsonObject("spark_conf") : new JsonObject();
        if (conf.has("spark.task.resource.gpu.amount")) {
          double amount = conf.get("spark.task.resource.gpu.amount").getAsDouble();
          assertTrue(amount < 1, file + ": a whole GPU per task for every stage ("
              + amount + ") leaves one task per node; the train job asks for its own");
        }
        if (command(task).equals("train")) {
          assertTrue(String.join(" ", params(task)).contains("train.gpus-per-task=1"), file
              + ": the fold tasks must ask for their GPU");
        }
      }
    }
  }

  private static List<String> params(JsonObject task) {
    List<String> out = new ArrayList<>();
    task.getAsJsonObject("spark_jar_task").getAsJsonArray("parameters")
        .forEach(p -> out.add(p.getAsString()));
    return out;
  }

  @Test
  void thePipelineJobRunsEachStepAsATaskInPipelineOrder() throws Exception {
    Path file = definitions().stream().filter(p -> p.getFileName().toString()
        .equals("databricks-job.json")).findFirst().orElseThrow();
    JsonObject job = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    java.util.Map<String, String> commandOf = new java.util.HashMap<>();
    java.util.Map<String, List<String>> needs = new java.util.HashMap<>();
    for (JsonElement t : job.getAsJsonArray("tasks")) {
      JsonObject task = t.getAsJsonObject();
      String key = task.get("task_key").getAsString();
      commandOf.put(key, command(task));
      List<String> deps = new ArrayList<>();
      if (task.has("depends_on")) {
        task.getAsJsonArray("depends_on").forEach(d -> deps.add(d.getAsJsonObject()
            .get("task_key").getAsString()));
      }
      needs.put(key, deps);
      assertTrue(task.has("max_retries"), key + ": retries per step");
      // the job's parameters are passed down, not repeated per task
      String line = String.join(" ", params(task));
      assertTrue(line.contains("{{job.parameters.work}}"), key + ": " + line);
    }
    List<String> order = List.of("ingest", "folds", "tile", "train", "tune", "predict");
    assertEquals(new java.util.HashSet<>(order), new java.util.HashSet<>(commandOf.values()));
    for (var e : needs.entrySet()) {
      int at = order.indexOf(commandOf.get(e.getKey()));
      if (at == 0) {
        assertTrue(e.getValue().isEmpty(), "ingest starts the job");
      } else {
        assertEquals(List.of(order.get(at - 1)), e.getValue().stream().map(commandOf::get)
            .toList(), e.getKey() + " runs after " + order.get(at - 1));
      }
    }
    java.util.Set<String> parameters = new java.util.HashSet<>();
    job.getAsJsonArray("parameters").forEach(p -> parameters.add(p.getAsJsonObject()
        .get("name").getAsString()));
    assertEquals(java.util.Set.of("data", "work", "run_id"), parameters);
  }

  /**
   * GPU tasks run the thin jar on a libtorch 2.7.1 for CUDA 12.8 that the cluster's init script
   * installs where PYTORCH_LIBRARY_PATH points; CPU tasks carry libtorch in their jar (or need
   * none: the ONNX scoring jar).
   */
  @Test
  void gpuTasksRunTheThinJarOnTheLibtorchTheirClusterInstalls() throws Exception {
    Path root = Path.of(System.getProperty("sparkseg.repo.root", ".."));
    String init = Files.readString(root.resolve("submit/databricks-libtorch-init.sh"));
    for (Path file : definitions()) {
      JsonObject job = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
      for (JsonElement t : job.getAsJsonArray("tasks")) {
        JsonObject task = t.getAsJsonObject();
        JsonObject c = cluster(job, task);
        String jar = task.getAsJsonArray("libraries").get(0).getAsJsonObject().get("jar")
            .getAsString();
        boolean gpu = c.get("spark_version").getAsString().contains("gpu");
        String where = file.getFileName() + " " + task.get("task_key").getAsString();
        if (!gpu) {
          assertTrue(jar.endsWith("/sparkseg-app.jar") || jar.endsWith("/sparkseg-scoring.jar"),
              where + ": " + jar);
          continue;
        }
        assertTrue(jar.endsWith("/sparkseg-app-thin.jar"), where + ": " + jar);
        JsonObject env = c.getAsJsonObject("spark_env_vars");
        assertEquals("2.7.1", env.get("PYTORCH_VERSION").getAsString(), where);
        assertEquals("cu128", env.get("PYTORCH_FLAVOR").getAsString(), where);
        String lib = env.get("PYTORCH_LIBRARY_PATH").getAsString();
        assertTrue(lib.endsWith("/lib") && init.contains("dest=" + lib.substring(0,
            lib.length() - 4)), where + ": the init script installs into " + lib);
        assertTrue(init.contains("libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip"), init);
        assertTrue(c.getAsJsonArray("init_scripts").toString().contains("libtorch-init.sh"),
            where);
      }
    }
  }
}
