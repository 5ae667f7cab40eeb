package io.sparkseg.core.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Proves that libtorch computes CPU convolutions correctly on this machine before any model
 * runs, against a plain Java convolution: forward, and the input gradient training takes
 * through it. Found on an AMD EPYC (family 26) virtual machine: libtorch 2.7.1's oneDNN
 * AVX-512 kernels returned wrong 3x3 convolutions where the input channels are not a multiple
 * of 16 (24, 40, 152: off by 3 to 6), so every model with such a layer scored wrong; its AVX2
 * kernels computed the forward pass right but the input gradient of a 16 -> 4 channel
 * convolution (the models' head) as NaN, so training learned nothing (the demo trained five
 * epochs of NaN loss and scored exactly the empty submission). Its SSE4.1 kernels are right
 * there. oneDNN reads {@code DNNL_MAX_CPU_ISA} when libtorch starts, and a JVM cannot change
 * its own environment, so {@link Engines#pytorch()} runs this once and refuses to go on,
 * saying what to set; {@code bin/sparkseg}, {@code notebooks/run} and {@code .ci/run} run
 * {@link #main} first, with the default kernels, then AVX2, then SSE4.1, and set the first
 * that is right (bin/cpu-check).
 */
public final class ConvolutionCheck {
  /** Largest |libtorch − reference| accepted (float32 sums of ≤ 1,400 products of N(0,1)). */
  public static final double TOLERANCE = 1e-3;
  /** The exit status of {@link #main} when the convolution is wrong. */
  public static final int WRONG = 3;
  /** The environment variable that selects oneDNN's kernels, and the value that helps. */
  public static final String ISA_VARIABLE = "DNNL_MAX_CPU_ISA";
  public static final String ISA_FIX = "AVX2";

  /** The forward pass, or the gradient of the input that training propagates through it. */
  public enum Pass { FORWARD, INPUT_GRADIENT }

  /**
   * One 3x3 convolution (stride 1, padding 1, no bias) of a batch of {@code batch} images of
   * {@code in} channels, {@code h}x{@code w}, into {@code out} channels. The cases cover
   * channel counts that are and are not multiples of 16, as the zoo's decoders and heads have
   * them.
   */
  public record Case(Pass pass, int batch, int in, int out, int h, int w) {
    public Case(int batch, int in, int out, int h, int w) {
      this(Pass.FORWARD, batch, in, out, h, w);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "3x3 convolution %d->%d channels on %dx%dx%d%s", in,
          out, batch, h, w, pass == Pass.FORWARD ? "" : " (input gradient)");
    }
  }

  static final List<Case> CASES = List.of(new Case(3, 24, 64, 16, 24),
      new Case(1, 152, 64, 16, 24), new Case(3, 40, 32, 16, 24), new Case(1, 3, 32, 32, 48),
      new Case(1, 64, 64, 8, 12), new Case(Pass.INPUT_GRADIENT, 4, 16, 4, 64, 128),
      new Case(Pass.INPUT_GRADIENT, 1, 16, 4, 64, 128),
      new Case(Pass.INPUT_GRADIENT, 2, 24, 16, 16, 24));

  /** The worst case: its error and the check's verdict. */
  public record Result(Case worst, double maxError) {
    public boolean ok() {
      return maxError <= TOLERANCE; // NaN is not ok
    }
  }

  private static volatile Result verified;

  private ConvolutionCheck() {}

  /**
   * Runs the check on {@code engine}'s CPU once per JVM (later calls return the first result);
   * throws, saying what to set, where libtorch's convolution is wrong.
   */
  static void verifyOnce(Engine engine) {
    Result r = verified;
    if (r == null) {
      synchronized (ConvolutionCheck.class) {
        r = verified;
        if (r == null) {
          r = run(engine);
          verified = r;
        }
      }
    }
    if (!r.ok()) { // the message (and /proc/cpuinfo) only when it is wrong: this runs per call
      throw new IllegalStateException(problem(r, cpuModel(), System.getenv(ISA_VARIABLE)));
    }
  }

  /** This JVM's verdict, once {@link Engines#pytorch()} has run it; null before. */
  public static Result verified() {
    return verified;
  }

  /** Every case on {@code engine}'s CPU against the Java convolution. */
  public static Result run(Engine engine) {
    Result worst = null;
    try (NDManager m = engine.newBaseManager(Device.cpu())) {
      Random random = new Random(16);
      for (Case c : CASES) {
        float[] x = gaussian(random, c.batch() * c.in() * c.h() * c.w(), 1);
        float[] weight = gaussian(random, c.out() * c.in() * 9, 0.2f);
        double e;
        try (NDManager scope = m.newSubManager()) {
          NDArray xa = scope.create(x, new Shape(c.batch(), c.in(), c.h(), c.w()));
          NDArray wa = scope.create(weight, new Shape(c.out(), c.in(), 3, 3));
          if (c.pass() == Pass.FORWARD) {
            e = maxError(reference(c, x, weight), convolve(xa, wa).toFloatArray());
          } else {
            // d(sum(y * r))/dx: the output gradient r taken back through the convolution
            float[] r = gaussian(random, c.batch() * c.out() * c.h() * c.w(), 1);
            NDArray ra = scope.create(r, new Shape(c.batch(), c.out(), c.h(), c.w()));
            xa.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc = engine.newGradientCollector()) {
              gc.backward(convolve(xa, wa).mul(ra).sum());
            }
            e = maxError(inputGradient(c, r, weight), xa.getGradient().toFloatArray());
          }
        }
        if (worst == null || !(e <= worst.maxError())) {
          worst = new Result(c, e);
          if (Double.isNaN(e)) {
            break;
          }
        }
      }
    }
    return worst;
  }

  private static NDArray convolve(NDArray x, NDArray weight) {
    return Conv2d.conv2d(x, weight, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
        .singletonOrThrow();
  }

  private static float[] gaussian(Random r, int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian() * scale;
    }
    return v;
  }

  /** One product of a 3x3 convolution: output, input and weight indices (NCHW, OIHW). */
  private interface Tap {
    void add(int output, int input, int weight);
  }

  /** Every product of {@code c}'s convolution (zero padding 1), in a fixed order. */
  private static void forEachTap(Case c, Tap tap) {
    int h = c.h();
    int w = c.w();
    for (int n = 0; n < c.batch(); n++) {
      for (int o = 0; o < c.out(); o++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            int output = ((n * c.out() + o) * h + i) * w + j;
            for (int ci = 0; ci < c.in(); ci++) {
              int plane = (n * c.in() + ci) * h;
              int kernel = (o * c.in() + ci) * 9;
              for (int a = 0; a < 3; a++) {
                int ii = i + a - 1;
                if (ii < 0 || ii >= h) {
                  continue;
                }
                for (int b = 0; b < 3; b++) {
                  int jj = j + b - 1;
                  if (jj >= 0 && jj < w) {
                    tap.add(output, (plane + ii) * w + jj, kernel + a * 3 + b);
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /** The convolution of {@code x} (NCHW) by {@code weight} (OIHW), zero padding 1, in double. */
  static double[] reference(Case c, float[] x, float[] weight) {
    double[] out = new double[c.batch() * c.out() * c.h() * c.w()];
    forEachTap(c, (o, i, k) -> out[o] += (double) x[i] * weight[k]);
    return out;
  }

  /**
   * The gradient of sum(conv(x) * r) with respect to x, for output gradient {@code r} (NCHW):
   * each input pixel collects r times the weights of the outputs it took part in.
   */
  static double[] inputGradient(Case c, float[] r, float[] weight) {
    double[] dx = new double[c.batch() * c.in() * c.h() * c.w()];
    forEachTap(c, (o, i, k) -> dx[i] += (double) r[o] * weight[k]);
    return dx;
  }

  /** max |got − expected|; NaN where {@code got} has the wrong length or holds a NaN. */
  static double maxError(double[] expected, float[] got) {
    if (got.length != expected.length) {
      return Double.NaN;
    }
    double max = 0;
    for (int k = 0; k < got.length; k++) {
      double e = Math.abs(expected[k] - got[k]);
      if (Double.isNaN(e)) {
        return e;
      }
      max = Math.max(max, e);
    }
    return max;
  }

  /**
   * Why models must not run here, saying what to set, or null when the check passed.
   *
   * @param cpu the CPU's model name, for the message
   * @param isa the {@value #ISA_VARIABLE} this JVM was started with, or null
   */
  static String problem(Result r, String cpu, String isa) {
    if (r.ok()) {
      return null;
    }
    String what = String.format(Locale.ROOT, "libtorch's CPU convolution computes wrong results "
        + "on this machine (%s): a %s is off by %.3g (tolerance %.0e), so models trained or "
        + "scored here would be silently wrong.", cpu, r.worst(), r.maxError(), TOLERANCE);
    if (isa != null && !isa.isBlank()) {
      return what + " " + ISA_VARIABLE + "=" + isa + " is set and does not help; try "
          + ISA_VARIABLE + "=" + (isa.equalsIgnoreCase(ISA_FIX) ? "SSE41" : ISA_FIX + " or SSE41")
          + ", or another machine.";
    }
    return what + " Known cause: oneDNN's AVX-512 and AVX2 kernels on some CPUs and virtual "
        + "machines. Set " + ISA_VARIABLE + "=" + ISA_FIX + ", or SSE41 where that is wrong too, "
        + "in the environment of every JVM that runs models (bin/sparkseg, notebooks/run and "
        + ".ci/run find and set it on this machine by themselves; on a cluster: --conf "
        + "spark.executorEnv." + ISA_VARIABLE + "=... and the driver's environment, which "
        + "submit/sparkseg-submit passes on).";
  }

  /** The CPU's model name from /proc/cpuinfo, or the OS architecture where there is none. */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: say what we know
    }
    return System.getProperty("os.arch");
  }

  /**
   * Prints the verdict; exits 0 when the convolution is right, {@value #WRONG} when it is wrong
   * (bin/cpu-check then tries the next {@value #ISA_VARIABLE}), 1 when libtorch cannot start.
   */
  public static void main(String[] args) {
    Engines.ensureOffline();
    Result r = run(Engine.getEngine(Engines.PYTORCH));
    String problem = problem(r, cpuModel(), System.getenv(ISA_VARIABLE));
    if (problem == null) {
      System.out.printf(Locale.ROOT, "ok: libtorch's CPU convolution is right here (worst: %s, "
          + "off by %.1e)%n", r.worst(), r.maxError());
      System.exit(0);
    }
    System.out.println(problem);
    System.exit(WRONG);
  }
}
