// Databricks notebook source
// MAGIC %md
// MAGIC # Severstal quickstart (Databricks)
// MAGIC
// MAGIC The flow of `notebooks/01-severstal-quickstart.ipynb` on a Databricks cluster, in Scala
// MAGIC (Databricks runs no Java cells), through the same sparkseg API: generate the demo data,
// MAGIC ETL into Delta tables, look at them with Spark SQL, train fold 0 for 3 epochs, tune,
// MAGIC predict and score the test images, and open the run report.
// MAGIC
// MAGIC Cluster: Databricks Runtime 17.x (Spark 4.0, Scala 2.13), **dedicated (single-user) access
// MAGIC mode** (sparkseg uses SparkContext and RDDs), `sparkseg-app.jar` attached as a library,
// MAGIC environment variables `DJL_OFFLINE=true` and `OPT_OUT_TRACKING=true`. Import this file as
// MAGIC a notebook (Workspace > Import). `DatabricksNotebookTest` (spark-jobs)
// MAGIC compiles these cells against the API on every build.

// COMMAND ----------

import io.sparkseg.core.config.ConfigLoader
import io.sparkseg.jobs.Pipeline
import io.sparkseg.jobs.predict.PredictJob
import io.sparkseg.jobs.train.TrainJob
import io.sparkseg.jobs.tune.TuneJob
import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Paths}
import scala.jdk.CollectionConverters._

// A Unity Catalog volume: the same path for the driver's files and for Spark on every node.
val work = "/Volumes/main/sparkseg/work/quickstart"
// conf/quick-demo.conf's settings over the demo preset; only fold 0 trains here
val cfg = ConfigLoader.load(ConfigLoader.DEMO_PRESET, null, Map(
  "work-dir" -> work, "demo.train-images" -> "60", "demo.test-images" -> "12", "folds.k" -> "2",
  "train.epochs" -> "3", "train.folds" -> "[0]", "predict.overlays" -> "4").asJava, System.getenv())
val out = Console.out

// COMMAND ----------

// MAGIC %md ## 1. Demo data and ETL (ingest, folds, tile)

// COMMAND ----------

Pipeline.generateDemo(cfg, out)
val etl = Pipeline.etl(spark, cfg, out)
for (t <- Seq("images", "masks", "folds", "tiles")) {
  spark.read.format("delta").load(cfg.tables().path(t)).createOrReplaceTempView(t)
}
val images = spark.sql("SELECT count(*) FROM images").first().getLong(0)
val inFolds = spark.sql("SELECT count(*) FROM folds").first().getLong(0)
assert(images == 60 && inFolds == images, s"$images images, $inFolds in folds")
display(spark.sql("SELECT fold, count(*) AS images FROM folds GROUP BY fold ORDER BY fold"))

// COMMAND ----------

// MAGIC %md ## 2. Train fold 0, then its curves

// COMMAND ----------

val training = TrainJob.run(spark, cfg, out)
val meanDice = training.diceMeanSd().get("dice.mean")(0)
assert(meanDice > 0.5, s"fold 0 mean Dice $meanDice")
val svg = new String(Files.readAllBytes(Paths.get(training.runDir(), "curves.svg")),
  StandardCharsets.UTF_8)
displayHTML(svg.substring(svg.indexOf("<svg")))

// COMMAND ----------

// MAGIC %md ## 3. Tune, predict, score

// COMMAND ----------

val tuning = TuneJob.run(spark, cfg, training.runId(), out)
val prediction = PredictJob.run(spark, cfg.withPredictRunId(training.runId()), out)
val Array(dice, empty) = prediction.diceAndBaseline()
println(f"test Kaggle Dice $dice%.4f, the empty submission $empty%.4f")
assert(prediction.scored() == 12 && dice > empty, s"${prediction.scored()} scored, Dice $dice")

// COMMAND ----------

// MAGIC %md ## 4. The run report (data, curves, metrics, tuning, test score, worst and best images)

// COMMAND ----------

displayHTML(new String(Files.readAllBytes(Paths.get(training.runDir(), "report.html")),
  StandardCharsets.UTF_8))
