package io.sparkseg.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Adam, AdamW (decoupled weight decay) and SGD with momentum, written on NDArray operations so
 * that the whole optimizer state (moment buffers per parameter and the step count) can be
 * checkpointed and restored exactly. Call {@link #step} after the backward pass, outside the
 * gradient collector, inside an {@link NDScope}; it updates parameters in place and zeroes
 * their gradients. Buffers are keyed by the parameter's PyTorch name.
 */
public final class Optimizer {
  /** The kinds, as named in the configuration. */
  public enum Kind { ADAM, ADAMW, SGD }

  private final Kind kind;
  private final float weightDecay;
  private final float momentum;
  private final float beta1 = 0.9f;
  private final float beta2 = 0.999f;
  private final float eps = 1e-8f;
  private final Map<String, NDArray> first = new LinkedHashMap<>();
  private final Map<String, NDArray> second = new LinkedHashMap<>();
  private long steps;

  public Optimizer(Kind kind, float weightDecay, float momentum) {
    this.kind = kind;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
  }

  public static Kind kind(String name) {
    try {
      return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown optimizer '" + name
          + "'; expected adam, adamw or sgd", e);
    }
  }

  public Kind kind() {
    return kind;
  }

  public long steps() {
    return steps;
  }

  /** One update of every trainable parameter with a gradient, at learning rate {@code lr}. */
  public void step(Map<String, Parameter> params, float lr) {
    steps++;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Parameter p = e.getValue();
      if (!p.requiresGradient()) {
        continue;
      }
      NDArray w = p.getArray();
      NDArray g = w.getGradient();
      switch (kind) {
        case SGD -> {
          sgd(e.getKey(), w, g, lr);
          g.subi(g); // PyTorch accumulates gradients: clear them for the next step
        }
        case ADAM, ADAMW -> adam(e.getKey(), w, g, lr); // clears the gradient itself
      }
    }
  }

  private void sgd(String name, NDArray w, NDArray g, float lr) {
    NDArray d = weightDecay > 0 ? g.add(w.mul(weightDecay)) : g;
    if (momentum > 0) {
      NDArray buf = first.get(name);
      if (buf == null) {
        buf = keep(d.duplicate());
        first.put(name, buf);
      } else {
        buf.muli(momentum).addi(d);
      }
      d = buf;
    }
    w.subi(d.mul(lr));
  }

  /**
   * PyTorch's Adam/AdamW step ({@code torch.optim.Adam(W)}, not fused or capturable), in one
   * native call per parameter (DJL's {@code adamUpdate}, which also zeroes the gradient): on a GPU
   * the 15 separate operations per parameter it replaces cost more in launches than the step's
   * arithmetic. PyTorch's {@code w -= lr / c1 * m / (sqrt(v) / sqrt(c2) + eps)} is written as
   * {@code w -= (lr * sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2))}, the form DJL's update takes.
   */
  private void adam(String name, NDArray w, NDArray g, float lr) {
    NDArray m = first.computeIfAbsent(name, k -> keep(w.zerosLike()));
    NDArray v = second.computeIfAbsent(name, k -> keep(w.zerosLike()));
    double c1 = 1 - Math.pow(beta1, steps);
    double sqrtC2 = Math.sqrt(1 - Math.pow(beta2, steps));
    w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(w), lr,
        (float) (lr * sqrtC2 / c1), weightDecay, 1f, -1f, beta1, beta2, (float) (eps * sqrtC2),
        false, kind == Kind.ADAMW);
  }

  private static NDArray keep(NDArray a) {
    NDScope.unregister(a); // state outlives the step's scope
    return a;
  }

  /** State as named float arrays, for a checkpoint. */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    first.forEach((k, v) -> out.put("first." + k, v.toFloatArray()));
    second.forEach((k, v) -> out.put("second." + k, v.toFloatArray()));
    return out;
  }

  /** Restores {@link #state()} (parameters must be initialized: buffers take their shapes). */
  public void restore(Map<String, Parameter> params, Map<String, float[]> state, long steps) {
    this.steps = steps;
    first.values().forEach(NDArray::close);
    second.values().forEach(NDArray::close);
    first.clear();
    second.clear();
    state.forEach((k, values) -> {
      int dot = k.indexOf('.');
      String which = k.substring(0, dot);
      String name = k.substring(dot + 1);
      Parameter p = params.get(name);
      if (p == null) {
        throw new IllegalArgumentException("optimizer state for unknown parameter " + name);
      }
      NDArray w = p.getArray();
      NDArray a = keep(w.getManager().create(values, w.getShape()));
      (which.equals("first") ? first : second).put(name, a);
    });
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT) + "(weight_decay=" + weightDecay
        + (kind == Kind.SGD ? ", momentum=" + momentum : "") + ")";
  }
}
