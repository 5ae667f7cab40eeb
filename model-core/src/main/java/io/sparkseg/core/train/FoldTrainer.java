package io.sparkseg.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.metrics.SegmentationMetrics;
import io.sparkseg.core.nn.Autograd;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.SegmentationPredictor;
import io.sparkseg.core.nn.TorchWeights;
import io.sparkseg.core.tiling.OverlapStitcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains one fold: epochs over a {@link SampleSource}, validation every N epochs with per-class
 * metrics, the best model by mean Dice kept as {@code best.safetensors} + {@code best.json},
 * a checkpoint after every epoch ({@code checkpoint-NNNN.safetensors}: weights, optimizer state,
 * schedule state, history) written atomically to a {@link CheckpointStore}, resume from the
 * newest checkpoint, early stopping, {@code history.json}/{@code history.csv}, a progress line per
 * epoch, and out-of-fold probabilities of the validation samples from the best model.
 * Shuffling and augmentation derive from (seed, epoch), so a resumed run continues exactly.
 */
public final class FoldTrainer {
  public static final String BEST = "best";
  /** Boundary F1 tolerance in pixels (softmax validation). */
  static final int BOUNDARY_TOLERANCE = 2;
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{4})\\.safetensors");
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
      .create();

  private final ModelSpec spec;
  private final TrainOptions options;
  private final CheckpointStore store;
  private final Device device;
  private long progressNanos;
  private final PrintStream log;
  private Augmenter augmenter = Augmenter.flips(0.5);
  private CheckpointStore.IoSupplier<InputStream> encoderWeights;
  private String encoderWeightsSource;
  private String dataVersion = "";
  private String gitCommit = "";
  private List<String> classNames;
  /** Size of the training tiles (the model card's input size); -1 until a batch was seen. */
  private int inputHeight = -1;
  private int inputWidth = -1;
  private java.util.function.IntSupplier cpuThreads;
  private int lastCpuThreads;

  public FoldTrainer(ModelSpec spec, TrainOptions options, CheckpointStore store, Device device,
      PrintStream log) {
    this.spec = spec;
    this.options = options;
    this.store = store;
    this.device = device;
    this.log = log;
  }

  /** Training augmentation (default: {@link Augmenter#flips} at 0.5). */
  /**
   * Within an epoch, print the fold's progress (images done of all, running loss, rate, time
   * left) every {@code seconds}; 0 (the default) prints only the per-epoch lines.
   */
  public FoldTrainer progressEvery(int seconds) {
    this.progressNanos = seconds * 1_000_000_000L;
    return this;
  }

  /**
   * On the CPU, how many threads libtorch may use for this fold, asked again before every
   * training batch and before the out-of-fold pass (where several folds share a machine, the
   * last one running takes the cores the others have given back as soon as they end, not at its
   * next epoch); a value below 1, or no supplier (the default), leaves libtorch's setting as it
   * is. Ignored on a GPU. The supplier is asked often: it must be cheap.
   */
  public FoldTrainer cpuThreads(java.util.function.IntSupplier threads) {
    this.cpuThreads = threads;
    return this;
  }

  /** Whether this fold sets libtorch's CPU threads: a supplier was given and it runs on the CPU. */
  private boolean setsCpuThreads() {
    return cpuThreads != null && "cpu".equals(device.getDeviceType());
  }

  private void applyCpuThreads() {
    if (setsCpuThreads()) {
      int n = cpuThreads.getAsInt();
      if (n > 0 && n != lastCpuThreads) {
        Engines.setCpuThreads(n);
        log.printf(Locale.ROOT, "cpu threads: %d%n", n);
        lastCpuThreads = n;
      }
    }
  }

  public FoldTrainer augmenter(Augmenter a) {
    this.augmenter = a;
    return this;
  }

  /**
   * Pretrained encoder weights to start from instead of random init: a torchvision state dict
   * ({@code .safetensors}) or DJL's {@code .params}, as {@link ModelIo#loadEncoder} reads them.
   */
  public FoldTrainer encoderWeights(CheckpointStore.IoSupplier<InputStream> open, String source) {
    this.encoderWeights = open;
    this.encoderWeightsSource = source;
    return this;
  }

  /** Provenance recorded in the model card. */
  /** Names of the classes (class 1 first) for logs and the confusion matrix. */
  public FoldTrainer classNames(List<String> names) {
    if (names.size() != spec.classes()) {
      throw new IllegalArgumentException(names.size() + " class names for " + spec.classes()
          + " classes");
    }
    this.classNames = List.copyOf(names);
    return this;
  }

  private List<String> names() {
    if (classNames != null) {
      return classNames;
    }
    List<String> names = new ArrayList<>();
    for (int c = 1; c <= spec.classes(); c++) {
      names.add("class " + c);
    }
    return names;
  }

  public FoldTrainer provenance(String dataVersion, String gitCommit) {
    this.dataVersion = dataVersion;
    this.gitCommit = gitCommit;
    return this;
  }

  /**
   * What a fold's training produced; {@code bestScore} is the score that chose the best model:
   * mean Dice for sigmoid models, mIoU of the argmax class maps for softmax models (whose
   * {@code bestMetrics} also hold {@code miou}, {@code pixel_accuracy}, {@code mean_accuracy},
   * {@code iou.c}; {@code best-confusion.csv} beside the model is the confusion matrix).
   */
  public record Result(int epochsRun, int resumedFromEpoch, int bestEpoch, double bestScore,
      Map<String, Double> bestMetrics, List<EpochRecord> history, String bestModel,
      boolean stoppedEarly) {}

  /** Receives the best model's probabilities for each validation sample. */
  @FunctionalInterface
  public interface OofSink {
    /** {@code probabilities[class]} is a row-major {@code height × width} plane. */
    void accept(String sampleId, int height, int width, float[][] probabilities);
  }

  /** Everything a checkpoint restores besides the arrays. */
  private static final class State {
    int epoch;
    long optimizerSteps;
    double[] schedule;
    double bestDice = Double.NEGATIVE_INFINITY;
    int bestEpoch;
    int validationsWithoutProgress;
    List<EpochRecord> history = new ArrayList<>();
  }

  public Result fit(SampleSource train, SampleSource validation, OofSink oof) throws IOException {
    // libtorch's thread setting outlives the fold on this thread (a pooled Spark task thread runs
    // other tasks next) and becomes the default of threads that start later: put it back
    int threadsBefore = setsCpuThreads() ? Engines.cpuThreads() : 0;
    try {
      return train(train, validation, oof);
    } finally {
      if (threadsBefore > 0 && lastCpuThreads > 0 && lastCpuThreads != threadsBefore) {
        Engines.setCpuThreads(threadsBefore);
      }
      lastCpuThreads = 0;
    }
  }

  private Result train(SampleSource train, SampleSource validation, OofSink oof)
      throws IOException {
    Engine engine = Engines.pytorch();
    Autograd.noGrad(); // this thread records gradients only inside Autograd.backward
    try (NDManager manager = engine.newBaseManager(device)) {
      engine.setRandomSeed((int) options.seed());
      SegmentationModel model = SegmentationModel.build(spec);
      model.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 64, 64));
      Map<String, Parameter> params = TorchWeights.parameters(model);
      Optimizer optimizer = new Optimizer(options.optimizer(), options.weightDecay(),
          options.momentum());
      LrSchedule schedule = options.newSchedule();
      SegLoss loss = options.newLoss();

      State state = resume(model, params, optimizer, schedule);
      int resumedFrom = state.epoch;
      if (resumedFrom > 0) {
        log.printf(Locale.ROOT, "resumed from %s at epoch %d (best mean Dice %.4f at epoch %d)%n",
            store.location(checkpointName(resumedFrom)), resumedFrom, state.bestDice,
            state.bestEpoch);
      } else if (encoderWeights != null) {
        try (InputStream in = encoderWeights.get()) {
          ModelIo.loadEncoder(model, in, encoderWeightsSource, manager);
        }
        log.println("loaded pretrained encoder weights from " + encoderWeightsSource);
      }
      model.attachGradients();
      ParameterStore ps = new ParameterStore(manager, false);
      boolean stoppedEarly = false;

      for (int epoch = state.epoch; epoch < options.epochs(); epoch++) {
        long t0 = System.nanoTime();
        float lr = schedule.lr(epoch);
        double[] lossAndCount = trainEpoch(engine, manager, model, ps, params, optimizer, loss,
            train, epoch, lr);
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean validate = (epoch + 1) % options.validateEvery() == 0
            || epoch + 1 == options.epochs();
        Double valLoss = null;
        Map<String, Double> metrics = null;
        if (validate) {
          Evaluation ev = evaluate(manager, model, loss, validation, null);
          valLoss = ev.loss;
          metrics = ev.asMap();
          double dice = ev.score();
          schedule.observe(dice);
          if (dice > state.bestDice) {
            state.bestDice = dice;
            state.bestEpoch = epoch + 1;
            state.validationsWithoutProgress = 0;
            saveModel(model, BEST, metrics);
            if (ev.confusion != null) {
              String csv = ev.confusion.toCsv(names());
              store.write(BEST + "-confusion.csv",
                  out -> out.write(csv.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
          } else {
            state.validationsWithoutProgress++;
          }
        }
        EpochRecord rec = new EpochRecord(epoch + 1, lr, lossAndCount[0], valLoss, metrics,
            seconds, lossAndCount[1] / seconds, rssMb());
        state.history.add(rec);
        state.epoch = epoch + 1;
        state.optimizerSteps = optimizer.steps();
        state.schedule = schedule.state();
        writeCheckpoint(model, optimizer, state);
        writeHistory(state.history);
        log.println(progressLine(rec, options.epochs(),
            spec.activation() == ModelSpec.Activation.SOFTMAX));
        if (options.earlyStopPatience() > 0
            && state.validationsWithoutProgress >= options.earlyStopPatience()
            && epoch + 1 < options.epochs()) {
          log.printf(Locale.ROOT, "early stop after epoch %d: no better %s in %d "
              + "validations%n", epoch + 1, scoreName(), state.validationsWithoutProgress);
          stoppedEarly = true;
          break;
        }
      }

      // out-of-fold probabilities from the best model
      Map<String, Double> bestMetrics = Map.of();
      if (store.exists(BEST + ".safetensors")) {
        applyCpuThreads();
        try (InputStream in = store.open(BEST + ".safetensors")) {
          TorchWeights.load(model, SafeTensors.read(in, store.location(BEST + ".safetensors")), "",
              store.location(BEST + ".safetensors"));
        }
        Evaluation ev = evaluate(manager, model, loss, validation, oof);
        bestMetrics = ev.asMap();
        if (ev.confusion != null) {
          ev.confusion.table(names()).forEach(line -> log.println("   " + line));
        } else {
          ev.metrics.table().forEach(line -> log.println("   " + line));
        }
      }
      return new Result(state.epoch, resumedFrom, state.bestEpoch, state.bestDice, bestMetrics,
          List.copyOf(state.history), store.location(BEST + ".safetensors"), stoppedEarly);
    }
  }

  private double[] trainEpoch(Engine engine, NDManager manager, SegmentationModel model,
      ParameterStore ps, Map<String, Parameter> params, Optimizer optimizer, SegLoss loss,
      SampleSource train, int epoch, float lr) {
    // dropout draws from the engine's generator: reseed per epoch so a resumed run matches
    engine.setRandomSeed((int) (options.seed() * 1009 + epoch));
    Iterator<TrainingSample> it = train.samples(epoch);
    double lossSum = 0;
    long batches = 0;
    long images = 0;
    long index = 0;
    long start = System.nanoTime();
    long nextReport = start + progressNanos;
    while (it.hasNext()) {
      List<TrainingSample> batch = new ArrayList<>(options.batchSize());
      while (it.hasNext() && batch.size() < options.batchSize()) {
        batch.add(augmenter.apply(it.next(), options.seed(), epoch, index++));
      }
      if (batch.size() < 2) {
        continue; // BatchNorm cannot train on a single sample
      }
      applyCpuThreads();
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray[] xy = arrays(manager, batch);
        double batchLoss = Autograd.backward(() -> loss.compute(
            model.forward(ps, new NDList(xy[0]), true).singletonOrThrow(), xy[1]));
        if (!Double.isFinite(batchLoss)) {
          throw new IllegalStateException(notFinite(batchLoss, epoch + 1, batches + 1, batch));
        }
        lossSum += batchLoss;
        optimizer.step(params, lr);
      }
      batches++;
      images += batch.size();
      long now = System.nanoTime();
      if (progressNanos > 0 && now >= nextReport && it.hasNext()) {
        nextReport = now + progressNanos;
        log.println(batchProgress(epoch + 1, options.epochs(), images, train.size(),
            lossSum / batches, (now - start) / 1e9));
      }
    }
    if (batches == 0) {
      throw new IllegalArgumentException("the training data gave no batch of 2 or more samples");
    }
    return new double[] {lossSum / batches, images};
  }

  /**
   * Why training stops at a loss that is not a number: the weights it would go on from are
   * lost, and every later epoch, the OOF maps and the models would be silently useless (the
   * demo trained five epochs of NaN on a machine whose libtorch CPU kernels were wrong).
   */
  static String notFinite(double loss, int epoch, long batch, List<TrainingSample> samples) {
    String ids = samples.stream().limit(4).map(TrainingSample::id)
        .collect(java.util.stream.Collectors.joining(", "));
    return String.format(Locale.ROOT, "epoch %d, batch %d (%s%s): the training loss is %s, so "
        + "the weights are no longer numbers; training stops rather than save them. With a "
        + "learning rate that trains elsewhere this is the machine: libtorch's vectorized CPU "
        + "kernels can compute wrong values on some CPUs and virtual machines (README \"CPU "
        + "check\": DNNL_MAX_CPU_ISA); otherwise lower sparkseg.train.lr.",
        epoch, batch, ids, samples.size() > 4 ? ", ..." : "", loss);
  }

  /**
   * "  epoch 3/20  1280/4000 images  loss 0.4120  14.2 img/s  ETA 3:12" (no total and ETA when
   * the source does not know its size).
   */
  static String batchProgress(int epoch, int epochs, long images, long total, double loss,
      double seconds) {
    double rate = images / Math.max(seconds, 1e-9);
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  epoch %d/%d  %d%s images"
        + "  loss %.4f  %.1f img/s", epoch, epochs, images, total > 0 ? "/" + total : "", loss,
        rate));
    if (total > images) {
      long left = Math.round((total - images) / rate);
      sb.append(String.format(Locale.ROOT, "  ETA %d:%02d", left / 60, left % 60));
    }
    return sb.toString();
  }

  private NDArray[] arrays(NDManager manager, List<TrainingSample> batch) {
    Image8 first = batch.get(0).image();
    int h = first.height();
    int w = first.width();
    inputHeight = h;
    inputWidth = w;
    List<Image8> images = new ArrayList<>(batch.size());
    List<BinaryMask[]> masks = new ArrayList<>(batch.size());
    for (TrainingSample s : batch) {
      images.add(s.image());
      masks.add(s.masks());
    }
    NDArray x = manager.create(Normalization.IMAGENET.images(images),
        new Shape(batch.size(), 3, h, w));
    NDArray y = manager.create(Normalization.masks(masks, spec.classes(), h, w),
        new Shape(batch.size(), spec.classes(), h, w));
    return new NDArray[] {x, y};
  }

  /**
   * A validation pass: per-class metrics of thresholded masks and, for softmax models, the
   * confusion matrix of the argmax class maps (pixels of no class are ignored).
   */
  private record Evaluation(double loss, SegmentationMetrics metrics,
      io.sparkseg.core.metrics.ConfusionMatrix confusion,
      io.sparkseg.core.metrics.BoundaryF1 boundary) {
    Map<String, Double> asMap() {
      Map<String, Double> m = metrics.asMap();
      if (confusion != null) {
        m.putAll(confusion.asMap()); // argmax Dice, IoU and accuracies replace the thresholded
        m.putAll(boundary.asMap());
      }
      return m;
    }

    /** What selects the best model and early stopping: mean Dice, or mIoU for softmax. */
    double score() {
      return confusion != null ? confusion.meanIou() : metrics.meanDice();
    }
  }

  /** The name of {@link Evaluation#score} for logs. */
  private String scoreName() {
    return spec.activation() == ModelSpec.Activation.SOFTMAX ? "mIoU" : "mean Dice";
  }

  private Evaluation evaluate(NDManager manager, SegmentationModel model, SegLoss loss,
      SampleSource validation, OofSink oof) {
    SegmentationMetrics metrics = new SegmentationMetrics(spec.classes());
    boolean softmax = spec.activation() == ModelSpec.Activation.SOFTMAX;
    io.sparkseg.core.metrics.ConfusionMatrix confusion = softmax
        ? new io.sparkseg.core.metrics.ConfusionMatrix(spec.classes()) : null;
    io.sparkseg.core.metrics.BoundaryF1 boundary = softmax
        ? new io.sparkseg.core.metrics.BoundaryF1(spec.classes(), BOUNDARY_TOLERANCE) : null;
    ParameterStore ps = new ParameterStore(manager, false);
    Iterator<TrainingSample> it = validation.samples(0);
    double lossSum = 0;
    long batches = 0;
    while (it.hasNext()) {
      List<TrainingSample> batch = new ArrayList<>(options.batchSize());
      while (it.hasNext() && batch.size() < options.batchSize()) {
        batch.add(it.next());
      }
      List<float[][]> probs;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        NDArray[] xy = arrays(manager, batch);
        NDArray logits = model.forward(ps, new NDList(xy[0]), false).singletonOrThrow();
        lossSum += loss.compute(logits, xy[1]).getFloat();
        probs = SegmentationPredictor.planes(SegmentationPredictor.activate(spec, logits));
        batches++;
      }
      for (int i = 0; i < batch.size(); i++) {
        TrainingSample s = batch.get(i);
        int h = s.image().height();
        int w = s.image().width();
        for (int c = 0; c < spec.classes(); c++) {
          BinaryMask truth = s.masks()[c] == null ? new BinaryMask(h, w) : s.masks()[c];
          metrics.add(c, OverlapStitcher.threshold(probs.get(i)[c], h, w, options.threshold()),
              truth);
        }
        if (softmax) {
          io.sparkseg.core.scene.ClassMap predicted = io.sparkseg.core.scene.ClassMap.argmax(
              probs.get(i), h, w);
          io.sparkseg.core.scene.ClassMap truth = io.sparkseg.core.scene.ClassMap.ofMasks(
              s.masks(), h, w);
          confusion.add(predicted, truth);
          boundary.add(predicted, truth);
        }
        if (oof != null) {
          oof.accept(s.id(), h, w, probs.get(i));
        }
      }
    }
    return new Evaluation(batches == 0 ? Double.NaN : lossSum / batches, metrics, confusion,
        boundary);
  }

  private void saveModel(SegmentationModel model, String name, Map<String, Double> metrics)
      throws IOException {
    store.write(name + ".safetensors", out -> ModelIo.writeWeights(model, out));
    float[] thresholds = new float[spec.classes()];
    Arrays.fill(thresholds, options.threshold());
    ModelCard card = new ModelCard(spec, inputHeight, inputWidth, Normalization.IMAGENET.mean(),
        Normalization.IMAGENET.std(), thresholds, options.toString(), dataVersion, metrics,
        gitCommit, Instant.now().toString());
    store.write(name + ".json", out -> ModelIo.writeCard(card, out));
  }

  static String checkpointName(int epoch) {
    return String.format(Locale.ROOT, "checkpoint-%04d.safetensors", epoch);
  }

  private void writeCheckpoint(SegmentationModel model, Optimizer optimizer, State state)
      throws IOException {
    Map<String, SafeTensors.FloatTensor> tensors = new LinkedHashMap<>(
        ModelIo.tensors(model, "model."));
    Map<String, Parameter> params = TorchWeights.parameters(model);
    optimizer.state().forEach((k, v) -> {
      String param = k.substring(k.indexOf('.') + 1);
      tensors.put("optimizer." + k, new SafeTensors.FloatTensor(
          params.get(param).getArray().getShape().getShape(), v));
    });
    Map<String, String> meta = Map.of("sparkseg.trainer_state", GSON.toJson(state),
        "sparkseg.optimizer", optimizer.kind().name());
    store.write(checkpointName(state.epoch), out -> SafeTensors.write(out, tensors, meta));
    List<Integer> epochs = checkpointEpochs();
    for (int i = 0; i < epochs.size() - options.keepCheckpoints(); i++) {
      store.delete(checkpointName(epochs.get(i)));
    }
  }

  private List<Integer> checkpointEpochs() throws IOException {
    List<Integer> epochs = new ArrayList<>();
    for (String name : store.list()) {
      Matcher m = CHECKPOINT.matcher(name);
      if (m.matches()) {
        epochs.add(Integer.parseInt(m.group(1)));
      }
    }
    epochs.sort(null);
    return epochs;
  }

  private State resume(SegmentationModel model, Map<String, Parameter> params,
      Optimizer optimizer, LrSchedule schedule) throws IOException {
    List<Integer> epochs = checkpointEpochs();
    if (epochs.isEmpty()) {
      return new State();
    }
    String name = checkpointName(epochs.get(epochs.size() - 1));
    SafeTensors ckpt;
    try (InputStream in = store.open(name)) {
      ckpt = SafeTensors.read(in, store.location(name));
    }
    State state = GSON.fromJson(ckpt.metadata().get("sparkseg.trainer_state"), State.class);
    if (!optimizer.kind().name().equals(ckpt.metadata().get("sparkseg.optimizer"))) {
      throw new IllegalStateException(store.location(name) + " was written by optimizer "
          + ckpt.metadata().get("sparkseg.optimizer") + ", this run uses " + optimizer.kind());
    }
    TorchWeights.load(model, ckpt, "model.", store.location(name));
    Map<String, float[]> opt = new LinkedHashMap<>();
    for (String key : ckpt.entries().keySet()) {
      if (key.startsWith("optimizer.")) {
        opt.put(key.substring("optimizer.".length()), ckpt.floats(key));
      }
    }
    optimizer.restore(params, opt, state.optimizerSteps);
    schedule.restore(state.schedule);
    return state;
  }

  private void writeHistory(List<EpochRecord> history) throws IOException {
    store.write("history.json", out -> {
      Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
      GSON.toJson(history, w);
      w.flush();
    });
    store.write("history.csv", out -> {
      Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
      List<String> metricNames = new ArrayList<>();
      history.stream().filter(r -> r.metrics() != null).findFirst()
          .ifPresent(r -> metricNames.addAll(r.metrics().keySet()));
      w.write("epoch,lr,train_loss,val_loss,seconds,images_per_second,rss_mb");
      for (String m : metricNames) {
        w.write("," + m);
      }
      w.write("\n");
      for (EpochRecord r : history) {
        w.write(String.format(Locale.ROOT, "%d,%g,%.6f,%s,%.2f,%.2f,%d", r.epoch(), r.lr(),
            r.trainLoss(), r.valLoss() == null ? "" : String.format(Locale.ROOT, "%.6f",
                r.valLoss()), r.seconds(), r.imagesPerSecond(), r.rssMb()));
        for (String m : metricNames) {
          Double v = r.metrics() == null ? null : r.metrics().get(m);
          w.write("," + (v == null ? "" : String.format(Locale.ROOT, "%.6f", v)));
        }
        w.write("\n");
      }
      w.flush();
    });
  }

  static String progressLine(EpochRecord r, int epochs, boolean softmax) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "epoch %d/%d  loss %.4f  lr %.2e", r.epoch(), epochs, r.trainLoss(), r.lr()));
    if (r.valLoss() != null) {
      // softmax runs: mIoU and IoU per class (the argmax class maps); else mean Dice per class
      String per = softmax ? "iou." : "dice.";
      sb.append(String.format(Locale.ROOT, "  val_loss %.4f  %s %.4f [", r.valLoss(),
          softmax ? "mIoU" : "dice", r.metrics().get(softmax ? "miou" : "dice.mean")));
      int c = 1;
      while (r.metrics().containsKey(per + c)) {
        sb.append(c > 1 ? " " : "").append(String.format(Locale.ROOT, "%.3f",
            r.metrics().get(per + c)));
        c++;
      }
      sb.append(']');
    }
    sb.append(String.format(Locale.ROOT, "  %.1f img/s  rss %d MB  %.1f s", r.imagesPerSecond(),
        r.rssMb(), r.seconds()));
    return sb.toString();
  }

  /** Resident set size of this process in MB (Linux; -1 elsewhere). */
  public static long rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
