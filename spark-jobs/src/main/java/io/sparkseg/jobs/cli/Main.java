package io.sparkseg.jobs.cli;

import io.sparkseg.core.config.ConfigValidationException;
import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.Pipeline;
import io.sparkseg.jobs.folds.FoldsJob;
import io.sparkseg.jobs.ingest.IngestJob;
import io.sparkseg.jobs.tiles.TileJob;
import io.sparkseg.jobs.predict.PredictJob;
import io.sparkseg.jobs.train.TrainJob;
import io.sparkseg.jobs.tune.TuneJob;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code sparkseg} command line: {@code bin/sparkseg <command>} or spark-submit's main. */
@Command(name = "sparkseg", mixinStandardHelpOptions = true, version = "sparkseg " + io.sparkseg.core.Version.SPARKSEG,
    description = "Image segmentation on Apache Spark: ETL, training and batch scoring.",
    subcommands = {Main.GenerateDemo.class, Main.Ingest.class, Main.Folds.class, Main.Tile.class,
        Main.Etl.class,
        Main.Train.class, Main.Tune.class, Main.Predict.class, Main.Evaluate.class, Main.Run.class,
        Main.Doctor.class, Main.LabelStudioMasksCommand.class, Main.SmartCrop.class,
        Main.Export.class, Main.Report.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  public static void main(String[] args) {
    boolean databricks = System.getenv("DATABRICKS_RUNTIME_VERSION") != null;
    int code = execute(args, databricks);
    if (!databricks) {
      System.exit(code);
    }
  }

  /** Thrown on Databricks instead of exiting: the run page shows it, with its cause. */
  public static final class CommandFailedException extends RuntimeException {
    private final int exitCode;

    CommandFailedException(String message, int exitCode, Throwable cause) {
      super(message, cause);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /**
   * Runs a command line. Elsewhere the exit code is returned for {@code System.exit}; inside a
   * shared JVM ({@code sharedJvm}: a Databricks JAR task) a failure is thrown instead, because
   * {@code System.exit} there ends the driver without the error reaching the run page.
   */
  static int execute(String[] args, boolean sharedJvm) {
    Throwable[] failure = new Throwable[1];
    CommandLine cl = commandLine(failure);
    int code = cl.execute(args);
    if (code != 0 && sharedJvm) {
      String command = args.length > 0 ? args[0] : "(no command)";
      throw new CommandFailedException("sparkseg " + command + " failed (exit code " + code
          + ")" + (failure[0] == null ? "" : ": " + failure[0].getMessage()), code, failure[0]);
    }
    return code;
  }

  /** The configured picocli command line (exit code 2 for bad usage or config, 1 for failure). */
  public static CommandLine commandLine() {
    return commandLine(new Throwable[1]);
  }

  private static CommandLine commandLine(Throwable[] failure) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      failure[0] = e;
      PrintWriter err = cmd.getErr();
      if (e instanceof ConfigValidationException) {
        err.println("sparkseg " + cmd.getCommandName() + ": " + e.getMessage());
        return 2;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        err.println("sparkseg " + cmd.getCommandName() + " failed: " + e.getMessage());
        return 1;
      }
      err.println("sparkseg " + cmd.getCommandName() + " failed:");
      e.printStackTrace(err);
      return 1;
    });
    return cl;
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true,
      description = {"Kaggle's score of a submission against a truth file: Dice per class and "
          + "their mean over every image x class (empty prediction of an empty truth = 1).",
          "Both files may be in any Severstal layout (ImageId_ClassId,EncodedPixels; "
              + "ImageId,EncodedPixels,ClassId; ImageId,ClassId,EncodedPixels). The image size "
              + "is sparkseg.data.image-height x image-width.",
          "With --dataset scene|png-masks|coco: class maps (a folder of PNGs, as predict writes "
              + "them) against truth labels of the same relative paths: IoU and accuracy per "
              + "class, mIoU, pixel accuracy, the majority-class baseline, and the confusion "
              + "matrix (--confusion CSV); ignored truth pixels do not count."})
  static final class Evaluate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @picocli.CommandLine.Option(names = "--submission", paramLabel = "CSV")
    java.nio.file.Path submission;

    @picocli.CommandLine.Option(names = "--truth", required = true, paramLabel = "CSV|DIR")
    String truth;

    @picocli.CommandLine.Option(names = "--dataset", paramLabel = "KIND",
        description = "scene, png-masks or coco: score class maps (sets dataset.kind)")
    String dataset;

    @picocli.CommandLine.Option(names = "--predictions", paramLabel = "DIR",
        description = "the class maps to score (with --dataset)")
    String predictions;

    @picocli.CommandLine.Option(names = "--confusion", paramLabel = "CSV",
        description = "where to write the confusion matrix (with --dataset)")
    String confusion;

    @Override
    public Integer call() throws java.io.IOException {
      if (dataset != null) {
        return classMaps();
      }
      if (submission == null || predictions != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "evaluate: --submission CSV --truth CSV (Severstal), or --dataset KIND "
                + "--predictions DIR --truth DIR (class maps)");
      }
      SparksegConfig cfg = options.load();
      int h = cfg.data().imageHeight();
      int w = cfg.data().imageWidth();
      int classes = cfg.data().classes();
      java.nio.file.Path truthFile = java.nio.file.Path.of(truth);
      io.sparkseg.core.severstal.Submission.Score score = io.sparkseg.core.severstal.Submission
          .score(io.sparkseg.core.severstal.Submission.read(submission, classes, h, w),
              io.sparkseg.core.severstal.Submission.read(truthFile, classes, h, w), classes, h,
              w);
      System.out.printf("%s against %s: %d images x %d classes%n", submission, truth,
          score.images(), classes);
      if (score.missingFromSubmission() > 0) {
        System.out.println("warning: " + score.missingFromSubmission()
            + " images of the truth have no submission rows (scored as predicted empty)");
      }
      score.metrics().table().forEach(System.out::println);
      return 0;
    }

    private int classMaps() {
      if (predictions == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "evaluate --dataset needs --predictions DIR (the class maps) and --truth DIR");
      }
      SparksegConfig cfg = options.load(java.util.Map.of("dataset.kind", dataset));
      if (!cfg.dataset().multiClass()) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "evaluate --dataset: expected scene, png-masks or coco, got " + dataset);
      }
      org.apache.spark.sql.SparkSession spark = io.sparkseg.jobs.SparkSessions.create(cfg);
      try {
        System.out.println(predictions + " against " + truth + ":");
        io.sparkseg.jobs.evaluate.ClassMapEvaluation.print(spark, cfg.multiClass().decoder(),
            cfg.classNames(), absolute(predictions), absolute(truth),
            confusion == null ? null : absolute(confusion), System.out);
      } finally {
        io.sparkseg.jobs.SparkSessions.release(spark);
      }
      return 0;
    }

    private static String absolute(String location) {
      return location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? location
          : java.nio.file.Path.of(location).toAbsolutePath().normalize().toString();
    }
  }

  @Command(name = "labelstudio-masks", mixinStandardHelpOptions = true,
      description = {"Label Studio export + photos -> one PNG mask per (photo, label) at the "
          + "photo's size, 0 or 255, named <photo stem>_<label>.png; bad tasks to "
          + "<out>/quarantine.csv with their reason. Labels: sparkseg.photos.labels. No Spark."})
  static final class LabelStudioMasksCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @picocli.CommandLine.Option(names = "--annotations", required = true, paramLabel = "JSON",
        description = "Label Studio JSON export (a list of tasks).")
    java.nio.file.Path annotations;

    @picocli.CommandLine.Option(names = "--images", required = true, paramLabel = "DIR",
        description = "Folder the tasks' images are resolved against.")
    java.nio.file.Path images;

    @picocli.CommandLine.Option(names = "--out", required = true, paramLabel = "DIR")
    java.nio.file.Path out;

    @Override
    public Integer call() throws java.io.IOException {
      SparksegConfig cfg = options.load();
      io.sparkseg.core.labelstudio.LabelStudioMasks.Report r =
          io.sparkseg.core.labelstudio.LabelStudioMasks.run(annotations, images, out,
              cfg.photos().labels());
      System.out.printf("labelstudio-masks: %d tasks in = %d written (%d masks) + %d "
              + "quarantined%s -> %s%n", r.tasksIn(), r.tasksWritten(), r.masksWritten(),
          r.rejected().size(), r.reconciled() ? "" : " (NOT RECONCILED)", out);
      r.byReason().forEach((reason, n) -> System.out.printf("  quarantined %-24s %d%n",
          reason, n));
      r.rejected().forEach(x -> System.err.println("quarantined: " + x.reason().code() + ": "
          + x.detail()));
      return r.reconciled() ? 0 : 1;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"A training run's models as one ONNX file (opset 17; input 'images' float32 "
          + "[N,3,H,W] RGB 0..255, output 'probabilities' [N,C,H,W]; normalization, fold mean, "
          + "flip TTA and activation inside) plus <name>.json: classes, thresholds, minimum "
          + "areas, tiling, normalization, run id. The written file is checked against the "
          + "PyTorch models in ONNX Runtime before the command succeeds.",
          "Score it with: bin/sparkseg predict --conf sparkseg.predict.model=FILE.onnx"})
  static final class Export implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @picocli.CommandLine.Option(names = "--run-id", paramLabel = "ID",
        description = "Training run (default: the newest finished one).")
    String runId;

    @picocli.CommandLine.Option(names = "--fold", paramLabel = "K",
        description = "One fold's model instead of the ensemble of all folds.")
    Integer fold;

    @picocli.CommandLine.Option(names = "--ensemble",
        description = "The mean of all folds (the default; stated for scripts).")
    boolean ensemble;

    @picocli.CommandLine.Option(names = "--flip-tta", negatable = true,
        description = "Average the horizontal mirror inside the graph (default: "
            + "sparkseg.predict.flip-tta, as predict does).")
    Boolean flipTta;

    @picocli.CommandLine.Option(names = "--out", required = true, paramLabel = "FILE.onnx",
        description = "Where to write (local path or Hadoop URI); the sidecar goes beside it.")
    String out;

    @Override
    public Integer call() throws java.io.IOException {
      if (ensemble && fold != null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--fold and --ensemble exclude each other");
      }
      SparksegConfig cfg = options.load();
      io.sparkseg.jobs.export.ExportJob.run(cfg,
          io.sparkseg.jobs.SparkSessions.hadoopConfiguration(cfg), runId, fold,
          flipTta == null ? cfg.predict().flipTta() : flipTta, out, System.out);
      return 0;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = {"Rebuild a training run's report, runs/<id>/report.html: one self-contained "
          + "page with the data, training curves, per-fold and per-class metrics, the tuned "
          + "post-processing and its gain, the test score, the last predict (images, quarantine "
          + "by reason), its worst and best test images, and the confusion matrix of class "
          + "maps. train, tune and predict refresh it themselves."})
  static final class Report implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @picocli.CommandLine.Option(names = "--run-id", required = true, paramLabel = "ID",
        description = "The training run.")
    String runId;

    @Override
    public Integer call() {
      SparksegConfig cfg = options.load();
      String runDir = cfg.workDir() + "/runs/" + runId;
      String html = io.sparkseg.jobs.report.ReportWriter.write(runDir,
          io.sparkseg.jobs.SparkSessions.hadoopConfiguration(cfg));
      if (html == null) {
        spec.commandLine().getErr().println("no model card in " + runDir + ": is " + runId
            + " a finished training run (sparkseg train)?");
        return 1;
      }
      System.out.println("report: " + html);
      return 0;
    }
  }

  @Command(name = "doctor", mixinStandardHelpOptions = true,
      description = "Check this installation: Java, Spark, Delta, and DJL's PyTorch engine "
          + "starting offline (natives found, GPUs seen, its CPU convolution right); exit 1 if "
          + "something is missing or wrong.")
  static final class Doctor implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.println("java      " + System.getProperty("java.version"));
      System.out.println("spark     " + org.apache.spark.package$.MODULE$.SPARK_VERSION());
      System.out.println("delta     " + io.delta.tables.DeltaTable.class.getProtectionDomain()
          .getCodeSource().getLocation().getPath().replaceAll(".*/", ""));
      io.sparkseg.core.nn.Engines.ensureOffline();
      ai.djl.engine.Engine engine = io.sparkseg.core.nn.Engines.pytorch();
      System.out.println("djl       " + ai.djl.engine.Engine.getDjlVersion() + " offline="
          + ai.djl.util.Utils.isOfflineMode());
      System.out.println("engine    " + engine.getEngineName() + " " + engine.getVersion()
          + ", GPUs visible: " + engine.getGpuCount());
      System.out.println("libtorch  " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
      try (ai.djl.ndarray.NDManager m = engine.newBaseManager()) {
        float v = m.create(new float[] {1, 2}).sum().getFloat();
        System.out.println("compute   ok (" + v + ")");
      }
      // Engines.pytorch() ran the check (and refused to go on where it is wrong): its figures
      io.sparkseg.core.nn.ConvolutionCheck.Result conv =
          io.sparkseg.core.nn.ConvolutionCheck.verified();
      String isa = System.getenv(io.sparkseg.core.nn.ConvolutionCheck.ISA_VARIABLE);
      System.out.printf(java.util.Locale.ROOT, "conv      %s: worst %s off by %.1e%s%n",
          conv.ok() ? "ok" : "WRONG", conv.worst(), conv.maxError(), isa == null ? ""
              : " (" + io.sparkseg.core.nn.ConvolutionCheck.ISA_VARIABLE + "=" + isa + ")");
      return conv.ok() ? 0 : 1;
    }
  }

  @Command(name = "generate-demo", mixinStandardHelpOptions = true,
      description = "Write the Severstal-like demo data set (Kaggle layout) to sparkseg.data.dir.")
  static final class GenerateDemo implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
      Pipeline.generateDemo(options.load(), System.out);
      return 0;
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Images and train.csv into the images and masks tables; bad input to quarantine.")
  static final class Ingest extends SparkCommand {
    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      IngestJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "smart-crop", mixinStandardHelpOptions = true,
      description = {"Person photos (sparkseg.photos.images) and their Label Studio export "
          + "(sparkseg.photos.annotations) into the crops table: the person detected "
          + "(sparkseg.detector), a square around the torso (sparkseg.roi) cut and resized, the "
          + "masks drawn on it. Incremental: unchanged photos are skipped.",
          "Then folds, tile, train and tune run on the crops with "
              + "sparkseg.dataset.kind = person-photos."})
  static final class SmartCrop extends SparkCommand {
    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      io.sparkseg.jobs.crop.SmartCropJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "folds", mixinStandardHelpOptions = true,
      description = "Stratified K-fold split of the ingested images into the folds table.")
  static final class Folds extends SparkCommand {
    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      FoldsJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "tile", mixinStandardHelpOptions = true,
      description = "Cut images and masks into tiles, into the tiles table partitioned by fold.")
  static final class Tile extends SparkCommand {
    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      TileJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "etl", mixinStandardHelpOptions = true,
      description = {"ingest (smart-crop for person photos) -> folds -> tile in one JVM and one "
          + "Spark session: the same as the three commands, without paying the start-up of "
          + "Java, Spark and Delta three times (README \"Start-up cost\")."})
  static final class Etl extends SparkCommand {
    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      Pipeline.etl(spark, cfg, System.out);
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = {"Train one model per fold on the tiles table: one Spark task per fold, on a "
          + "GPU each when sparkseg.train.gpus-per-task > 0. Writes <work>/runs/<run-id>/ and "
          + "the oof table.",
          "A re-run with the same --run-id skips finished folds and resumes the others from "
              + "their last checkpoint."})
  static final class Train extends SparkCommand {
    @picocli.CommandLine.Option(names = "--folds", split = ",", paramLabel = "K",
        description = "Folds to train (default: all), e.g. --folds 0,2.")
    java.util.List<Integer> folds;

    @picocli.CommandLine.Option(names = "--run-id", paramLabel = "ID",
        description = "Run id (sparkseg.train.run-id); default: a new one.")
    String runId;

    @Override
    java.util.Map<String, String> commandSettings() {
      java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
      if (folds != null) {
        m.put("train.folds", folds.toString());
      }
      if (runId != null) {
        m.put("train.run-id", runId);
      }
      return m;
    }

    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      TrainJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "tune", mixinStandardHelpOptions = true,
      description = "Per class, the threshold and minimum component area that maximise Kaggle's "
          + "Dice on a run's out-of-fold predictions (grid: sparkseg.tune); writes "
          + "runs/<run-id>/postprocessing.json, which predict uses.")
  static final class Tune extends SparkCommand {
    @picocli.CommandLine.Option(names = "--run-id", paramLabel = "ID",
        description = "Training run to tune (default: the newest finished one).")
    String runId;

    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      String id = runId;
      if (id == null) {
        try {
          id = io.sparkseg.jobs.predict.PredictJob.latestRun(cfg.workDir() + "/runs",
              spark.sparkContext().hadoopConfiguration());
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      TuneJob.run(spark, cfg, id, System.out);
    }
  }

  @Command(name = "predict", mixinStandardHelpOptions = true,
      description = {"Score images with a run's fold ensemble (flip TTA, tiles stitched, tuned "
          + "per-class post-processing) into the predictions table and the Kaggle submission.",
          "Incremental and exactly once: images already scored by the same run (same id and "
              + "content) are skipped; a repeated or retried job adds nothing twice."})
  static final class Predict extends SparkCommand {
    @picocli.CommandLine.Option(names = "--run-id", paramLabel = "ID",
        description = "Training run whose models score (sparkseg.predict.run-id); default: "
            + "the newest finished run.")
    String runId;

    @picocli.CommandLine.Option(names = "--images", paramLabel = "PATH",
        description = "Folder, glob or archive folder of images (sparkseg.predict.images); "
            + "default: the data's test_images/.")
    String images;

    @Override
    java.util.Map<String, String> commandSettings() {
      java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
      if (runId != null) {
        m.put("predict.run-id", runId);
      }
      if (images != null) {
        m.put("predict.images", images);
      }
      return m;
    }

    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      PredictJob.run(spark, cfg, System.out);
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"The whole pipeline: ingest -> folds -> tile -> train -> tune -> predict "
          + "the test images -> <work>/submission.csv.",
          "Without --data the demo data set is generated first and the demo preset "
              + "(conf/demo.conf) applies: a useful model on CPU in minutes."})
  static final class Run extends SparkCommand {
    @Override
    void before(SparksegConfig cfg) {
      if (ConfigOptions.onDemoData(cfg) || ConfigOptions.onPresetDemoData(cfg)) {
        Pipeline.generateDemo(cfg, System.out);
      }
    }

    @Override
    void run(SparkSession spark, SparksegConfig cfg) {
      Pipeline.run(spark, cfg, System.out);
    }
  }
}
