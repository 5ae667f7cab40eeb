package io.sparkseg.core.export;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.onnx.proto.OnnxMl;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.infer.ProbabilityModel;
import io.sparkseg.core.nn.Engines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An exported sparkseg ONNX file loaded in ONNX Runtime (through DJL's OnnxRuntime engine, no
 * libtorch involved), with its {@link ExportedModel} description: from the sidecar
 * {@code <name>.json} when present, else from the file's own {@code metadata_props}. Load once
 * (per executor JVM), then {@link #newPredictor} per thread or partition.
 */
public final class OnnxSegmentationModel implements AutoCloseable {
  private final ZooModel<NDList, NDList> model;
  private final ExportedModel description;
  private final String source;

  private OnnxSegmentationModel(ZooModel<NDList, NDList> model, ExportedModel description,
      String source) {
    this.model = model;
    this.description = description;
    this.source = source;
  }

  /** The sidecar path of an ONNX file: {@code x.onnx} → {@code x.json}. */
  public static Path sidecarOf(Path onnx) {
    String name = onnx.getFileName().toString();
    String stem = name.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")
        ? name.substring(0, name.length() - 5) : name;
    return onnx.resolveSibling(stem + ".json");
  }

  /** True for a file name ONNX scoring takes ({@code .onnx}). */
  public static boolean isOnnx(String file) {
    return file.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
  }

  /**
   * The description of {@code onnx}: its sidecar, or its metadata. Fails naming the file when
   * neither exists or says what a sparkseg export must.
   */
  public static ExportedModel describe(Path onnx) throws IOException {
    Path sidecar = sidecarOf(onnx);
    if (Files.isRegularFile(sidecar)) {
      return ExportedModel.fromJson(Files.readString(sidecar, StandardCharsets.UTF_8),
          sidecar.toString());
    }
    try (InputStream in = Files.newInputStream(onnx)) {
      return describe(in, onnx.toString(), sidecar.toString());
    }
  }

  /**
   * The description in the {@code metadata_props} of the ONNX model read from {@code in}
   * ({@code source} and the expected {@code sidecar} name the files in errors).
   */
  public static ExportedModel describe(InputStream in, String source, String sidecar) {
    OnnxMl.ModelProto proto;
    try {
      proto = OnnxMl.ModelProto.parseFrom(in);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(source + ": not an ONNX model (" + e.getMessage()
          + ")", e);
    }
    return proto.getMetadataPropsList().stream()
        .filter(p -> p.getKey().equals(ExportedModel.METADATA_KEY)).findFirst()
        .map(p -> ExportedModel.fromJson(p.getValue(), source + " metadata"))
        .orElseThrow(() -> new IllegalArgumentException(source + ": not a sparkseg export: no '"
            + ExportedModel.METADATA_KEY + "' metadata entry and no sidecar " + sidecar
            + " (write one with bin/sparkseg export)"));
  }

  /** Loads {@code onnx} (a local file) in ONNX Runtime on the CPU. */
  public static OnnxSegmentationModel load(Path onnx) throws IOException {
    if (!Files.isRegularFile(onnx)) {
      throw new IllegalArgumentException("ONNX model " + onnx + " does not exist");
    }
    ExportedModel d = describe(onnx);
    Engines.ensureOffline();
    String name = onnx.getFileName().toString();
    ZooModel<NDList, NDList> m;
    try {
      m = Criteria.builder().setTypes(NDList.class, NDList.class).optEngine("OnnxRuntime")
          .optModelPath(onnx.toAbsolutePath())
          .optModelName(name.substring(0, name.length() - ".onnx".length()))
          .optTranslator(new NoopTranslator()).build().loadModel();
    } catch (IOException | ModelNotFoundException | MalformedModelException
        | RuntimeException e) {
      throw new IllegalArgumentException("ONNX model " + onnx + " could not be loaded by ONNX "
          + "Runtime: " + e.getMessage(), e);
    }
    List<String> inputs = inputNames(m);
    if (!inputs.isEmpty() && !inputs.equals(List.of(d.input()))) {
      m.close();
      throw new IllegalArgumentException("ONNX model " + onnx + ": inputs " + inputs
          + " are not the described input '" + d.input() + "'");
    }
    return new OnnxSegmentationModel(m, d, onnx.toString());
  }

  /** The graph's input names (empty when the engine cannot tell). */
  private static List<String> inputNames(ZooModel<NDList, NDList> m) {
    try {
      return m.describeInput() == null ? List.of() : m.describeInput().keys();
    } catch (UnsupportedOperationException e) {
      return List.of();
    }
  }

  public ExportedModel description() {
    return description;
  }

  public String source() {
    return source;
  }

  /**
   * A predictor for one thread: batches of {@code batchSize} images; with {@code flipTta} the
   * mirror is averaged outside the graph unless the graph already does it.
   */
  public ProbabilityModel newPredictor(int batchSize, boolean flipTta) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    Predictor<NDList, NDList> predictor = model.newPredictor();
    boolean flip = flipTta && !description.flipTta();
    return images -> {
      List<float[][]> out = new ArrayList<>(images.size());
      for (int from = 0; from < images.size(); from += batchSize) {
        List<Image8> batch = images.subList(from, Math.min(images.size(), from + batchSize));
        out.addAll(run(predictor, batch, flip));
      }
      return out;
    };
  }

  private List<float[][]> run(Predictor<NDList, NDList> predictor, List<Image8> batch,
      boolean flip) {
    int n = batch.size();
    int h = batch.get(0).height();
    int w = batch.get(0).width();
    if (h % description.stride() != 0 || w % description.stride() != 0) {
      throw new IllegalArgumentException(source + " takes images whose sides are multiples of "
          + description.stride() + ", got " + h + "x" + w);
    }
    int plane = h * w;
    float[] x = new float[n * 3 * plane];
    for (int i = 0; i < n; i++) {
      Image8 img = batch.get(i);
      if (img.height() != h || img.width() != w) {
        throw new IllegalArgumentException("batch mixes " + h + "x" + w + " and "
            + img.height() + "x" + img.width() + " images");
      }
      byte[] px = img.data();
      int ch = img.channels();
      for (int c = 0; c < 3; c++) {
        int src = ch == 1 ? 0 : c;
        int base = (i * 3 + c) * plane;
        for (int p = 0; p < plane; p++) {
          x[base + p] = px[p * ch + src] & 0xFF;
        }
      }
    }
    List<float[][]> probs = planes(predictor, x, n, h, w);
    if (flip) { // in Java: ONNX Runtime's NDArrays have no operators without a second engine
      List<float[][]> mirrored = planes(predictor, mirror(x, n * 3, h, w), n, h, w);
      for (int i = 0; i < n; i++) {
        float[][] p = probs.get(i);
        float[][] q = mirrored.get(i);
        for (int c = 0; c < p.length; c++) {
          for (int row = 0; row < h; row++) {
            for (int col = 0; col < w; col++) {
              int at = row * w + col;
              p[c][at] = (p[c][at] + q[c][row * w + (w - 1 - col)]) / 2;
            }
          }
        }
      }
    }
    return probs;
  }

  private static float[] mirror(float[] x, int planes, int h, int w) {
    float[] out = new float[x.length];
    for (int p = 0; p < planes; p++) {
      for (int row = 0; row < h; row++) {
        int base = (p * h + row) * w;
        for (int col = 0; col < w; col++) {
          out[base + col] = x[base + w - 1 - col];
        }
      }
    }
    return out;
  }

  /** The graph's output for NCHW input {@code x}, as per-image {@code [class][pixel]} planes. */
  private List<float[][]> planes(Predictor<NDList, NDList> predictor, float[] x, int n, int h,
      int w) {
    try (NDManager m = model.getNDManager().newSubManager()) {
      NDArray out = predictor.predict(new NDList(m.create(x, new Shape(n, 3, h, w))))
          .singletonOrThrow();
      long[] s = out.getShape().getShape();
      if (s.length != 4 || s[0] != n || s[1] != description.classes() || s[2] != h
          || s[3] != w) {
        throw new IllegalStateException(source + " returned " + out.getShape() + " for input "
            + n + "x3x" + h + "x" + w + "; expected " + n + "x" + description.classes() + "x"
            + h + "x" + w);
      }
      // NDArray API only (no engine operator): safe in the scoring jar without libtorch
      return io.sparkseg.core.nn.SegmentationPredictor.planes(out);
    } catch (TranslateException e) {
      throw new IllegalStateException(source + ": ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
