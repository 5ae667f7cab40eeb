package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Gradient recording per thread. DJL's GradientCollector allows one collector per JVM (a
 * static flag), so two folds training in one executor (two cores or two GPUs) would collide;
 * libtorch's grad mode is thread-local, so recording per thread is safe. libtorch also starts
 * every new thread with recording on, so training and inference threads switch it off with
 * {@link #noGrad()} outside the backward pass.
 */
public final class Autograd {
  private Autograd() {}

  /** Stops recording gradients on this thread. */
  public static void noGrad() {
    JniUtils.setGradMode(false);
  }

  /**
   * Evaluates {@code loss} with gradients recorded on this thread, back-propagates it into the
   * parameters' gradients, and returns its value.
   */
  public static float backward(Supplier<NDArray> loss) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try {
      NDArray l = loss.get();
      JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
      return l.getFloat();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }
}
