package io.sparkseg.core.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.nn.TorchWeights;
import io.sparkseg.core.train.FoldTrainer;
import io.sparkseg.core.train.Optimizer;
import io.sparkseg.core.train.SegLoss;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test): one training step (forward, combo-pw loss, backward, AdamW) of the
 * default model, U-Net on ResNet-34 with 4 classes; prints median ms per step, images/s and
 * RSS, then the same for inference (forward in eval mode, no gradients). The same steps in
 * PyTorch eager are bench/pytorch_train_step.py; bench/run train-step runs both at the same
 * thread count; on a GPU, this class with the device argument {@code gpu} (README "Benchmarks").
 *
 * <p>Arguments: batch height width steps [threads [device]], device {@code cpu} (default) or
 * {@code gpu}. On a GPU each timed step ends by copying the loss to the host, which waits for
 * every kernel queued before it.
 */
public final class TrainStepBenchmark {
  private TrainStepBenchmark() {}

  public static void main(String[] args) {
    int batch = Integer.parseInt(args[0]);
    int h = Integer.parseInt(args[1]);
    int w = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    if (args.length > 4) {
      System.setProperty("ai.djl.pytorch.num_threads", args[4]);
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    Device device = args.length > 5 && args[5].equals("gpu") ? Device.gpu() : Device.cpu();
    Engine engine = Engines.pytorch();
    try (NDManager m = engine.newBaseManager(device)) {
      engine.setRandomSeed(0);
      SegmentationModel model = SegmentationModel.build(
          ModelSpec.unet("resnet34", 4, ModelSpec.Activation.SIGMOID));
      model.initialize(m, DataType.FLOAT32, new Shape(batch, 3, h, w));
      model.attachGradients();
      Map<String, Parameter> params = TorchWeights.parameters(model);
      Optimizer opt = new Optimizer(Optimizer.Kind.ADAMW, 1e-4f, 0);
      SegLoss loss = SegLoss.of("combo-pw", SegLoss.DEFAULT_POS_WEIGHT);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(batch, 3, h, w));
      NDArray y = m.randomUniform(0, 1, new Shape(batch, 4, h, w)).gt(0.9f)
          .toType(DataType.FLOAT32, false);
      int warmup = 3;
      double[] ms = new double[steps];
      long rssStart = -1;
      for (int step = 0; step < warmup + steps; step++) {
        long t0 = System.nanoTime();
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray l = loss.compute(model.forward(ps, new NDList(x), true).singletonOrThrow(), y);
            gc.backward(l);
          }
          opt.step(params, 1e-4f);
          x.get(0, 0, 0, 0).getFloat(); // waits for the step's kernels on a GPU
        }
        if (step >= warmup) {
          ms[step - warmup] = (System.nanoTime() - t0) / 1e6;
        } else if (step == warmup - 1) {
          rssStart = FoldTrainer.rssMb();
        }
        int done = step - warmup + 1;
        if (done > 0 && done % 50 == 0) {
          System.out.printf(Locale.ROOT, "step %d: rss %d MB, NDArrays held %d%n", done,
              FoldTrainer.rssMb(), m.getManagedArrays().size());
        }
      }
      double[] sorted = ms.clone();
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "djl: Unet(resnet34) batch %d x 3 x %d x %d, %s threads, "
              + "%s: median %.1f ms/step (min %.1f) over %d steps, %.1f images/s; rss %d MB "
              + "after warm-up, %d MB at the end; %s%n", batch, h, w,
          System.getProperty("ai.djl.pytorch.num_threads", "default"), device,
          sorted[steps / 2], sorted[0], steps, batch * 1000 / sorted[steps / 2], rssStart,
          FoldTrainer.rssMb(), engine.getVersion());
      // where a step's time goes: each phase ends with a wait for its kernels
      double[][] phase = new double[3][steps];
      for (int step = 0; step < steps; step++) {
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          long t0 = System.nanoTime();
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray l = loss.compute(model.forward(ps, new NDList(x), true).singletonOrThrow(), y);
            l.getFloat();
            long t1 = System.nanoTime();
            gc.backward(l);
            x.get(0, 0, 0, 0).getFloat();
            phase[0][step] = (t1 - t0) / 1e6;
            phase[1][step] = (System.nanoTime() - t1) / 1e6;
          }
          long t2 = System.nanoTime();
          opt.step(params, 1e-4f);
          x.get(0, 0, 0, 0).getFloat();
          phase[2][step] = (System.nanoTime() - t2) / 1e6;
        }
      }
      for (double[] p : phase) {
        Arrays.sort(p);
      }
      System.out.printf(Locale.ROOT, "djl: phases (median ms): forward+loss %.1f, backward %.1f, "
          + "optimizer %.1f (%d parameters)%n", phase[0][steps / 2], phase[1][steps / 2],
          phase[2][steps / 2], params.size());
      double[] inf = new double[steps];
      for (int step = 0; step < warmup + steps; step++) {
        long t0 = System.nanoTime();
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          model.forward(ps, new NDList(x), false).singletonOrThrow().get(0, 0, 0, 0).getFloat();
        }
        if (step >= warmup) {
          inf[step - warmup] = (System.nanoTime() - t0) / 1e6;
        }
      }
      Arrays.sort(inf);
      System.out.printf(Locale.ROOT, "djl: inference batch %d, %s: median %.1f ms/batch, "
          + "%.1f images/s%n", batch, device, inf[steps / 2], batch * 1000 / inf[steps / 2]);
    }
  }
}
