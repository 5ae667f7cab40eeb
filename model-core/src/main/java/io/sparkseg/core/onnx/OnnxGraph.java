package io.sparkseg.core.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX graph (opset {@value #OPSET}) one operator at a time, for blocks that write
 * their own inference-mode forward pass ({@link OnnxExportable}). Values are named by the graph
 * (unique, prefixed with the current {@link #scope}); weights become float32 initializers.
 * Convolutions take an optional BatchNorm that is folded into their weights and bias, so an
 * exported graph has no normalization nodes of its own for them. Not thread-safe.
 */
public final class OnnxGraph {
  /** The operator set every node is written for. */
  public static final int OPSET = 17;
  /** IR version 8: what opset 17 came with; ONNX Runtime 1.14+ loads it. */
  public static final int IR_VERSION = 8;
  /** BatchNorm epsilon of every model sparkseg builds (PyTorch's default). */
  public static final double BN_EPSILON = 1e-5;

  private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
  private final Map<String, Integer> counts = new HashMap<>();
  private final Deque<String> scopes = new ArrayDeque<>();
  private final Map<String, String> constants = new HashMap<>();
  /** Weights already written, by the block (or array) they came from: a block run twice shares them. */
  private final Map<Object, List<String>> weights = new java.util.IdentityHashMap<>();

  public OnnxGraph(String name) {
    graph.setName(name);
  }

  /** Names created until {@link Scope#close} start with {@code name/}. */
  public Scope scope(String name) {
    scopes.push(scopes.isEmpty() ? name : scopes.peek() + "/" + name);
    return scopes::pop;
  }

  /** The end of a {@link #scope}. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  private String fresh(String base) {
    String full = scopes.isEmpty() ? base : scopes.peek() + "/" + base;
    int n = counts.merge(full, 1, Integer::sum);
    return n == 1 ? full : full + "_" + n;
  }

  /** Adds a float32 input {@code [dims]}; a null entry of {@code dims} is named {@code params}. */
  public String input(String name, long[] dims, String[] params) {
    graph.addInput(valueInfo(name, dims, params));
    return name;
  }

  /** Names {@code value} as a graph output: an Identity node writes {@code name}. */
  public void output(String value, String name, long[] dims, String[] params) {
    graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName(name + "_out")
        .addInput(value).addOutput(name));
    graph.addOutput(valueInfo(name, dims, params));
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, long[] dims, String[] params) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      OnnxMl.TensorShapeProto.Dimension.Builder d = OnnxMl.TensorShapeProto.Dimension.newBuilder();
      if (params != null && params[i] != null) {
        d.setDimParam(params[i]);
      } else {
        d.setDimValue(dims[i]);
      }
      shape.addDim(d);
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
            .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }

  /** The finished graph. */
  public OnnxMl.GraphProto build() {
    return graph.build();
  }

  // ---- initializers and constants ----

  /** A float32 initializer named after {@code base} in the current scope. */
  public String floats(String base, long[] dims, float[] values) {
    String name = fresh(base);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).addAllDims(boxed(dims))
        .setRawData(ByteString.copyFrom(b.array())));
    return name;
  }

  /** An int64 constant (rank 1, or a scalar when {@code scalar}), shared by equal values. */
  public String ints(boolean scalar, long... values) {
    String key = (scalar ? "s" : "v") + java.util.Arrays.toString(values);
    return constants.computeIfAbsent(key, k -> {
      String name = "const_i64_" + constants.size();
      ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(values);
      OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
          .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE)
          .setRawData(ByteString.copyFrom(b.array()));
      if (!scalar) {
        t.addDims(values.length);
      }
      graph.addInitializer(t);
      return name;
    });
  }

  /** A float32 scalar constant, shared by equal values. */
  public String scalar(float value) {
    return constants.computeIfAbsent("f" + Float.floatToIntBits(value), k -> {
      String name = "const_f32_" + constants.size();
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
      graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
          .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
          .setRawData(ByteString.copyFrom(b.array())));
      return name;
    });
  }

  private static List<Long> boxed(long[] dims) {
    return java.util.Arrays.stream(dims).boxed().toList();
  }

  // ---- nodes ----

  /** Adds one node with one output; attributes are Long, Float, String, long[] or float[]. */
  public String node(String op, List<String> inputs, Map<String, Object> attributes) {
    String out = fresh(op);
    OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out)
        .addAllInput(inputs).addOutput(out);
    attributes.forEach((name, value) -> n.addAttribute(attribute(name, value)));
    graph.addNode(n);
    return out;
  }

  public String node(String op, String... inputs) {
    return node(op, List.of(inputs), Map.of());
  }

  private static OnnxMl.AttributeProto attribute(String name, Object value) {
    OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name);
    if (value instanceof Long l) {
      a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(l);
    } else if (value instanceof Integer i) {
      a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(i);
    } else if (value instanceof Float f) {
      a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(f);
    } else if (value instanceof String s) {
      a.setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
    } else if (value instanceof long[] ls) {
      a.setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(boxed(ls));
    } else if (value instanceof float[] fs) {
      a.setType(OnnxMl.AttributeProto.AttributeType.FLOATS);
      for (float f : fs) {
        a.addFloats(f);
      }
    } else {
      throw new IllegalArgumentException("attribute " + name + ": unsupported " + value);
    }
    return a.build();
  }

  /**
   * A DJL convolution (weights as trained, written once however often the block runs), with
   * {@code bn} (inference statistics, eps {@value #BN_EPSILON}) folded in when not null: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.
   */
  public String conv(String x, Conv2d conv, BatchNorm bn) {
    long[] k = conv.getKernelShape().getShape();
    long[] p = conv.getPadding().getShape();
    Map<String, Object> attrs = Map.of("kernel_shape", k,
        "strides", conv.getStride().getShape(), "dilations", conv.getDilation().getShape(),
        "pads", new long[] {p[0], p[1], p[0], p[1]}, "group", (long) conv.getGroups());
    List<String> inputs = new java.util.ArrayList<>(List.of(x));
    inputs.addAll(weights.computeIfAbsent(conv, c -> convWeights(conv, bn)));
    return node("Conv", inputs, attrs);
  }

  private List<String> convWeights(Conv2d conv, BatchNorm bn) {
    NDArray wArray = conv.getParameters().get("weight").getArray();
    long[] dims = wArray.getShape().getShape();
    float[] w = wArray.toFloatArray();
    int out = (int) dims[0];
    double[] bias = new double[out];
    if (conv.isIncludeBias()) {
      float[] b = conv.getParameters().get("bias").getArray().toFloatArray();
      for (int o = 0; o < out; o++) {
        bias[o] = b[o];
      }
    }
    if (bn != null) {
      float[] gamma = bn.getParameters().get("gamma").getArray().toFloatArray();
      float[] beta = bn.getParameters().get("beta").getArray().toFloatArray();
      float[] mean = bn.getParameters().get("runningMean").getArray().toFloatArray();
      float[] var = bn.getParameters().get("runningVar").getArray().toFloatArray();
      int per = w.length / out;
      for (int o = 0; o < out; o++) {
        double scale = gamma[o] / Math.sqrt(var[o] + BN_EPSILON);
        for (int i = 0; i < per; i++) {
          w[o * per + i] = (float) (w[o * per + i] * scale);
        }
        bias[o] = (bias[o] - mean[o]) * scale + beta[o];
      }
    }
    float[] b = new float[out];
    boolean anyBias = false;
    for (int o = 0; o < out; o++) {
      b[o] = (float) bias[o];
      anyBias |= b[o] != 0f;
    }
    String wName = floats("weight", dims, w);
    return anyBias || conv.isIncludeBias() || bn != null
        ? List.of(wName, floats("bias", new long[] {out}, b)) : List.of(wName);
  }

  public String relu(String x) {
    return node("Relu", x);
  }

  /** min(max(x, lo), hi), as ReLU6 uses. */
  public String clip(String x, float lo, float hi) {
    return node("Clip", x, scalar(lo), scalar(hi));
  }

  public String add(String a, String b) {
    return node("Add", a, b);
  }

  public String concat(List<String> xs, int axis) {
    return node("Concat", xs, Map.of("axis", (long) axis));
  }

  /** Max pooling with a square kernel, stride and symmetric padding (floor mode). */
  public String maxPool(String x, int kernel, int stride, int pad) {
    return node("MaxPool", List.of(x), Map.of("kernel_shape", new long[] {kernel, kernel},
        "strides", new long[] {stride, stride}, "pads", new long[] {pad, pad, pad, pad}));
  }

  /** The shape of {@code x} from axis {@code start} (to the end), as int64. */
  public String shape(String x, int start) {
    return node("Shape", List.of(x), Map.of("start", (long) start));
  }

  /** The shape of {@code x} on axes [start, end), as int64. */
  public String shape(String x, int start, int end) {
    return node("Shape", List.of(x), Map.of("start", (long) start, "end", (long) end));
  }

  /**
   * Upsampling of NCHW {@code x} by an integer factor: nearest as PyTorch's "nearest" (floor of
   * the asymmetric source coordinate), or bilinear as PyTorch's align_corners=false.
   */
  public String upsample(String x, int factor, boolean bilinear) {
    String scales = floats("scales", new long[] {4}, new float[] {1, 1, factor, factor});
    return node("Resize", List.of(x, "", scales), resizeAttributes(bilinear));
  }

  /** Bilinear (align_corners=false) resizing of NCHW {@code x} to the height and width of {@code like}. */
  public String resizeLike(String x, String like) {
    String sizes = concat(List.of(shape(x, 0, 2), shape(like, 2)), 0);
    return node("Resize", List.of(x, "", "", sizes), resizeAttributes(true));
  }

  private static Map<String, Object> resizeAttributes(boolean bilinear) {
    return bilinear
        ? Map.of("mode", "linear", "coordinate_transformation_mode", "half_pixel")
        : Map.of("mode", "nearest", "coordinate_transformation_mode", "asymmetric",
            "nearest_mode", "floor");
  }

  public String globalAveragePool(String x) {
    return node("GlobalAveragePool", x);
  }

  /**
   * PyTorch's adaptive average pooling of NCHW {@code x} to {@code size × size} for any (dynamic)
   * H and W: bin i covers rows floor(i·H/s) to ceil((i+1)·H/s); written as P_h · x · P_wᵀ with
   * averaging matrices built in the graph from the input's shape.
   */
  public String adaptiveAvgPool(String x, int size) {
    if (size == 1) {
      return globalAveragePool(x);
    }
    String ph = poolMatrix(shape(x, 2, 3), size);
    String pw = poolMatrix(shape(x, 3, 4), size);
    String rows = node("MatMul", ph, x);
    return node("MatMul", rows, node("Transpose", List.of(pw), Map.of("perm", new long[] {1, 0})));
  }

  /** The {@code size × n} matrix averaging each adaptive-pooling bin of a length-n axis. */
  private String poolMatrix(String n, int size) {
    long[] idx = new long[size];
    for (int i = 0; i < size; i++) {
      idx[i] = i;
    }
    String i = node("Reshape", ints(false, idx), ints(false, size, 1));
    String s = ints(false, size);
    String start = node("Div", node("Mul", i, n), s);
    String end = node("Div", node("Add", node("Mul", node("Add", i, ints(false, 1)), n),
        ints(false, size - 1)), s);
    String range = node("Range", ints(true, 0), node("Squeeze", n, ints(false, 0)),
        ints(true, 1));
    String inside = node("And", node("GreaterOrEqual", range, start), node("Less", range, end));
    String weights = node("Cast", List.of(inside), Map.of("to",
        (long) OnnxMl.TensorProto.DataType.FLOAT_VALUE));
    return node("Div", weights, node("ReduceSum", List.of(weights, ints(false, 1)),
        Map.of("keepdims", 1L)));
  }

  /**
   * Group normalization of NCHW {@code x} over {@code groups} (biased variance, {@code eps}),
   * then the per-channel affine {@code gamma}, {@code beta} (written once per {@code owner}).
   */
  public String groupNorm(String x, Object owner, int groups, float eps, float[] gamma,
      float[] beta) {
    String grouped = node("Reshape", x, ints(false, 0, groups, -1));
    String mean = node("ReduceMean", List.of(grouped), Map.of("axes", new long[] {2},
        "keepdims", 1L));
    String centered = node("Sub", grouped, mean);
    String var = node("ReduceMean", List.of(node("Mul", centered, centered)),
        Map.of("axes", new long[] {2}, "keepdims", 1L));
    String normed = node("Div", centered, node("Sqrt", node("Add", var, scalar(eps))));
    String back = node("Reshape", normed, node("Shape", x));
    long[] dims = {1, gamma.length, 1, 1};
    List<String> affine = weights.computeIfAbsent(owner, o -> List.of(
        floats("weight", dims, gamma), floats("bias", dims, beta)));
    return node("Add", node("Mul", back, affine.get(0)), affine.get(1));
  }
}
