package io.sparkseg.core.export;

import ai.onnx.proto.OnnxMl;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.onnx.OnnxGraph;
import io.sparkseg.core.train.Normalization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes trained {@link SegmentationModel}s as one ONNX model (opset {@value OnnxGraph#OPSET})
 * that reproduces what {@code predict} scores before post-processing: input {@value #INPUT}
 * float32 {@code [N, 3, H, W]}, RGB in 0..255, dynamic N, H and W (multiples of 32); the
 * normalization, every model of the ensemble (averaged), horizontal-flip TTA when asked, and
 * the activation are inside the graph; output {@value #OUTPUT} {@code [N, C, H, W]}.
 * BatchNorm is folded into the convolutions; dropout is gone.
 */
public final class OnnxExport {
  public static final String INPUT = "images";
  public static final String OUTPUT = "probabilities";

  private OnnxExport() {}

  /**
   * The ONNX model of {@code models} (all of one spec; one model, or the folds of a run).
   *
   * @param metadata written as the model's {@code metadata_props}
   */
  public static OnnxMl.ModelProto export(List<SegmentationModel> models,
      Normalization normalization, boolean flipTta, Map<String, String> metadata) {
    return export(models, normalization, flipTta, List.of(), metadata);
  }

  /**
   * As {@link #export(List, Normalization, boolean, Map)}, the classes of
   * {@code foldMaxClasses} (1-based) combined by the models' maximum instead of their mean, as
   * {@link io.sparkseg.core.infer.TiledEnsemble} does.
   */
  public static OnnxMl.ModelProto export(List<SegmentationModel> models,
      Normalization normalization, boolean flipTta, List<Integer> foldMaxClasses,
      Map<String, String> metadata) {
    if (models.isEmpty()) {
      throw new IllegalArgumentException("nothing to export: no models");
    }
    ModelSpec spec = models.get(0).spec();
    for (SegmentationModel m : models) {
      if (!m.spec().equals(spec)) {
        throw new IllegalArgumentException("an ensemble export needs one spec; got " + spec
            + " and " + m.spec());
      }
    }
    OnnxGraph g = new OnnxGraph("sparkseg_" + spec.architecture().smpName().toLowerCase());
    String[] dynamic = {"N", null, "H", "W"};
    String x = g.input(INPUT, new long[] {-1, 3, -1, -1}, dynamic);
    String normalized;
    try (OnnxGraph.Scope scope = g.scope("normalize")) {
      float[] scale = new float[3];
      float[] shift = new float[3];
      for (int c = 0; c < 3; c++) {
        // as Normalization.images: x * (1 / (255 std)) - mean / std, in float32
        scale[c] = 1f / (255f * normalization.std()[c]);
        shift[c] = normalization.mean()[c] / normalization.std()[c];
      }
      long[] dims = {1, 3, 1, 1};
      normalized = g.node("Sub", g.node("Mul", x, g.floats("scale", dims, scale)),
          g.floats("shift", dims, shift));
    }
    String mirrored = flipTta ? flipWidth(g, normalized) : null;
    List<String> probabilities = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      try (OnnxGraph.Scope scope = g.scope(models.size() == 1 ? "model" : "fold" + i)) {
        SegmentationModel m = models.get(i);
        String p = activate(g, spec, m.toOnnx(g, List.of(normalized)).get(0));
        if (flipTta) {
          String pm = flipWidth(g, activate(g, spec, m.toOnnx(g, List.of(mirrored)).get(0)));
          p = g.node("Mul", g.add(p, pm), g.scalar(0.5f));
        }
        probabilities.add(p);
      }
    }
    String mean = probabilities.get(0);
    for (int i = 1; i < probabilities.size(); i++) {
      mean = g.add(mean, probabilities.get(i));
    }
    if (probabilities.size() > 1) {
      mean = g.node("Mul", mean, g.scalar(1f / probabilities.size()));
      if (!foldMaxClasses.isEmpty()) {
        // mean + m * (max - mean), m = 1 for the fold-maximum classes and 0 for the others
        boolean[] mask = io.sparkseg.core.infer.TiledEnsemble.foldMaxMask(foldMaxClasses,
            spec.classes());
        float[] chosen = new float[spec.classes()];
        for (int c = 0; c < chosen.length; c++) {
          chosen[c] = mask[c] ? 1f : 0f;
        }
        try (OnnxGraph.Scope scope = g.scope("fold_max")) {
          String max = g.node("Max", probabilities.toArray(String[]::new));
          String m = g.floats("classes", new long[] {1, spec.classes(), 1, 1}, chosen);
          mean = g.add(mean, g.node("Mul", m, g.node("Sub", max, mean)));
        }
      }
    }
    g.output(mean, OUTPUT, new long[] {-1, spec.classes(), -1, -1}, dynamic);
    OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
        .setIrVersion(OnnxGraph.IR_VERSION)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("")
            .setVersion(OnnxGraph.OPSET))
        .setProducerName("sparkseg")
        .setDocString(spec + (models.size() > 1 ? ", mean of " + models.size() + " models"
            + (foldMaxClasses.isEmpty() ? "" : " (maximum for classes " + foldMaxClasses + ")")
            : "")
            + (flipTta ? ", horizontal-flip TTA" : ""))
        .setGraph(g.build());
    new LinkedHashMap<>(metadata).forEach((k, v) -> model.addMetadataProps(
        OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return model.build();
  }

  private static String activate(OnnxGraph g, ModelSpec spec, String logits) {
    return spec.activation() == ModelSpec.Activation.SOFTMAX
        ? g.node("Softmax", List.of(logits), Map.of("axis", 1L)) : g.node("Sigmoid", logits);
  }

  /** NCHW reversed along W. */
  private static String flipWidth(OnnxGraph g, String x) {
    return g.node("Slice", x, g.ints(false, -1), g.ints(false, Long.MIN_VALUE),
        g.ints(false, 3), g.ints(false, -1));
  }
}
