package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch names for a block tree's parameters, and loading of PyTorch state dicts by those
 * names. A child added as {@code addChildBlock("layer1", ...)} is "layer1" (DJL's two-digit
 * ordering prefix is dropped); DJL's BatchNorm {@code gamma, beta, runningMean, runningVar} are
 * PyTorch's {@code weight, bias, running_mean, running_var}.
 */
public final class TorchWeights {
  private static final Map<String, String> DJL_TO_TORCH = Map.of(
      "gamma", "weight", "beta", "bias", "runningMean", "running_mean",
      "runningVar", "running_var");

  private TorchWeights() {}

  /** Every parameter of {@code root} under its PyTorch name, in block order. */
  public static Map<String, Parameter> parameters(Block root) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(root, "", out);
    return out;
  }

  private static void collect(Block block, String prefix, Map<String, Parameter> out) {
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      out.put(prefix + DJL_TO_TORCH.getOrDefault(p.getKey(), p.getKey()), p.getValue());
    }
    for (Pair<String, Block> child : block.getChildren()) {
      String name = child.getKey().substring(2); // drop DJL's "%02d" ordering prefix
      collect(child.getValue(), prefix + name + ".", out);
    }
  }

  /** What {@link #load} did. */
  public record LoadReport(int loaded, List<String> unused) {}

  /**
   * Copies tensors named {@code prefix + torchName} from {@code weights} into the initialized
   * parameters of {@code root}. Every parameter must be found with the same shape; tensors the
   * model has no use for (a classifier head, {@code num_batches_tracked}) are reported as unused.
   */
  public static LoadReport load(Block root, SafeTensors weights, String prefix, String source) {
    Map<String, Parameter> params = parameters(root);
    List<String> missing = new ArrayList<>();
    List<String> wrongShape = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      SafeTensors.Entry t = weights.entries().get(prefix + e.getKey());
      if (t == null) {
        missing.add(prefix + e.getKey());
        continue;
      }
      NDArray array = e.getValue().getArray();
      Shape expected = array.getShape();
      if (!Arrays.equals(expected.getShape(), t.shape())) {
        wrongShape.add(prefix + e.getKey() + " is " + Arrays.toString(t.shape()) + ", model needs "
            + expected);
      }
    }
    if (!missing.isEmpty() || !wrongShape.isEmpty()) {
      throw new IllegalArgumentException(source + ": weights do not fit the model"
          + (missing.isEmpty() ? "" : "; missing " + missing.size() + ": " + head(missing))
          + (wrongShape.isEmpty() ? "" : "; wrong shape: " + head(wrongShape)));
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      e.getValue().getArray().set(FloatBuffer.wrap(weights.floats(prefix + e.getKey())));
    }
    List<String> unused = new ArrayList<>();
    for (String name : weights.entries().keySet()) {
      if (!name.startsWith(prefix) || !params.containsKey(name.substring(prefix.length()))) {
        unused.add(name);
      }
    }
    return new LoadReport(params.size(), unused);
  }

  private static String head(List<String> items) {
    return items.size() <= 5 ? items.toString()
        : items.subList(0, 5) + " and " + (items.size() - 5) + " more";
  }
}
