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
}
