package io.sparkseg.core.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The one way sparkseg reaches DJL's PyTorch engine. It switches DJL to offline mode and opts
 * out of its usage tracking before the engine first loads; otherwise DJL contacts the network
 * (169.254.169.254, its download hosts) at start. Environment variables {@code DJL_OFFLINE} and
 * {@code OPT_OUT_TRACKING} work too and are set by bin/sparkseg, the submit scripts and the build.
 */
public final class Engines {
  public static final String PYTORCH = "PyTorch";

  private Engines() {}

  /** Sets the offline switches (idempotent); call before anything touches DJL. */
  public static void ensureOffline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  /**
   * The PyTorch engine, offline. Where it cannot start because no libtorch is at hand (the thin
   * application jar carries none, and offline DJL downloads nothing), the error says what to set.
   * The first call in a JVM also proves that libtorch's CPU convolution is right on this
   * machine ({@link ConvolutionCheck}) and throws, saying what to set, where it is not.
   */
  public static Engine pytorch() {
    ensureOffline();
    Engine engine;
    try {
      engine = Engine.getEngine(PYTORCH);
    } catch (RuntimeException e) {
      String problem = libtorchProblem(System.getenv("PYTORCH_LIBRARY_PATH"),
          System.getProperty("PYTORCH_LIBRARY_PATH"),
          Engines.class.getClassLoader().getResource("native/lib/pytorch.properties") != null);
      if (problem != null) {
        throw new IllegalStateException(problem, e);
      }
      throw e;
    }
    ConvolutionCheck.verifyOnce(engine);
    return engine;
  }

  /**
   * Why DJL found no libtorch, or null where one should have been found: none on the class path
   * (sparkseg-app-thin.jar) and PYTORCH_LIBRARY_PATH unset (environment or system property), or
   * set to a folder without libtorch.so.
   */
  static String libtorchProblem(String env, String property, boolean onClassPath) {
    String path = env != null && !env.isBlank() ? env : property;
    String how = " Set PYTORCH_LIBRARY_PATH to the lib folder of a libtorch 2.7.1 (CPU or CUDA "
        + "12.8) on every node, with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cpu or cu128 "
        + "(submit/sparkseg-submit does this from SPARKSEG_LIBTORCH), or use sparkseg-app.jar, "
        + "which carries libtorch for CPU.";
    if (path == null || path.isBlank()) {
      return onClassPath ? null : "DJL's PyTorch engine found no libtorch: this class path has "
          + "none (sparkseg-app-thin.jar) and PYTORCH_LIBRARY_PATH is not set." + how;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      java.io.File d = new java.io.File(dir);
      if (new java.io.File(d, "libtorch.so").isFile()
          || d.isFile() && d.getName().equals("libtorch.so")) {
        return null;
      }
    }
    return "DJL's PyTorch engine found no libtorch: PYTORCH_LIBRARY_PATH=" + path
        + " holds no libtorch.so." + how;
  }

  /**
   * Lets libtorch use {@code n} threads within an operator from now on (PyTorch's
   * {@code torch.set_num_threads}: process-wide, and set for the calling thread too, so call it
   * on the thread that runs the model). libtorch's default is one per core of the machine, which
   * oversubscribes the cores when several models run at once in one JVM.
   */
  public static void setCpuThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + n);
    }
    pytorch();
    if (ai.djl.pytorch.jni.JniUtils.getNumThreads() != n) {
      ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
    }
  }

  /** CPU threads libtorch uses within an operator on the calling thread. */
  public static int cpuThreads() {
    pytorch();
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  /** The device for a GPU address as Spark reports it ("0", "1"), or the CPU for null. */
  public static Device device(String gpuAddress) {
    return gpuAddress == null ? Device.cpu() : Device.gpu(Integer.parseInt(gpuAddress.trim()));
  }
}
