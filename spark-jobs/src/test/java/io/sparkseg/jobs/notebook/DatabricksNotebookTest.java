package io.sparkseg.jobs.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Databricks notebook sources (notebooks/databricks/*.scala) are Databricks' format (a
 * header line, cells between "// COMMAND ----------", Markdown as "// MAGIC" lines) and their
 * code compiles with Scala 2.13 against sparkseg's API, with what a Databricks notebook provides
 * ({@code spark}, {@code display}, {@code displayHTML}) declared around it: an API change that
 * breaks them fails the build.
 */
class DatabricksNotebookTest {
  private static final String SEPARATOR = "// COMMAND ----------";

  @Test
  void everyDatabricksNotebookCompilesAgainstTheApi(@TempDir Path dir) throws Exception {
    Path folder = Path.of(System.getProperty("sparkseg.repo.root", ".."), "notebooks",
        "databricks");
    List<Path> sources;
    try (var s = Files.list(folder)) {
      sources = s.filter(p -> p.toString().endsWith(".scala")).sorted().toList();
    }
    assertFalse(sources.isEmpty(), "no notebooks in " + folder);
    for (Path source : sources) {
      List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
      assertEquals("// Databricks notebook source", lines.get(0), source + ": header");
      long cells = lines.stream().filter(SEPARATOR::equals).count() + 1;
      assertTrue(cells >= 4, source + ": " + cells + " cells");
      StringBuilder body = new StringBuilder();
      int codeCells = 0;
      boolean cellHasCode = false;
      for (String line : lines.subList(1, lines.size())) {
        if (line.equals(SEPARATOR)) {
          codeCells += cellHasCode ? 1 : 0;
          cellHasCode = false;
        } else if (!line.startsWith("// MAGIC")) {
          body.append("    ").append(line).append('\n');
          cellHasCode |= !line.isBlank() && !line.startsWith("//");
        }
      }
      codeCells += cellHasCode ? 1 : 0;
      assertTrue(codeCells >= 3, source + ": " + codeCells + " code cells");
      String wrapped = "package sparksegnotebook\n"
          + "object Notebook {\n"
          + "  // what a Databricks notebook provides\n"
          + "  val spark: org.apache.spark.sql.SparkSession = null\n"
          + "  def display(x: Any): Unit = ()\n"
          + "  def displayHTML(html: String): Unit = ()\n"
          + "  def run(): Unit = {\n" + body + "  }\n}\n";
      Path wrapper = dir.resolve(source.getFileName().toString().replace('-', '_'));
      Files.writeString(wrapper, wrapped, StandardCharsets.UTF_8);
      Path classes = Files.createDirectories(dir.resolve("classes"));
      String classpath = System.getProperty("surefire.test.class.path",
          System.getProperty("java.class.path"));
      List<String> args = new ArrayList<>(List.of("-classpath", classpath, "-d",
          classes.toString(), "-deprecation", wrapper.toString()));
      boolean ok = scala.tools.nsc.Main.process(args.toArray(String[]::new));
      assertTrue(ok, source + " does not compile (scalac's messages are above); wrapped as "
          + wrapper);
      assertTrue(Files.exists(classes.resolve("sparksegnotebook/Notebook$.class")),
          "compiled classes in " + classes + File.separator);
    }
  }
}
