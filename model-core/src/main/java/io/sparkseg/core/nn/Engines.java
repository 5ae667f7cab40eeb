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

  /** The PyTorch engine, offline. */
  public static Engine pytorch() {
    ensureOffline();
    return Engine.getEngine(PYTORCH);
  }

  /** The device for a GPU address as Spark reports it ("0", "1"), or the CPU for null. */
  public static Device device(String gpuAddress) {
    return gpuAddress == null ? Device.cpu() : Device.gpu(Integer.parseInt(gpuAddress.trim()));
  }
}
