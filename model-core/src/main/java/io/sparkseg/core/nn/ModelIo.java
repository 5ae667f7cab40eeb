package io.sparkseg.core.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.MalformedModelException;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads models as a pair: {@code <name>.safetensors} (every parameter, BatchNorm
 * statistics included, under its PyTorch/smp name, so PyTorch can read it too) and
 * {@code <name>.json} (the {@link ModelCard}). Loading rebuilds the block from the card alone.
 */
public final class ModelIo {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
      .serializeSpecialFloatingPointValues().create();

  private ModelIo() {}

  /** The parameters of an initialized model as F32 safetensors tensors. */
  public static Map<String, SafeTensors.FloatTensor> tensors(SegmentationModel model,
      String prefix) {
    Map<String, SafeTensors.FloatTensor> out = new LinkedHashMap<>();
    TorchWeights.parameters(model).forEach((name, p) -> out.put(prefix + name,
        new SafeTensors.FloatTensor(p.getArray().getShape().getShape(),
            p.getArray().toFloatArray())));
    return out;
  }

  public static void writeWeights(SegmentationModel model, OutputStream out) throws IOException {
    SafeTensors.write(out, tensors(model, ""), Map.of("format", "pt"));
  }

  public static String cardJson(ModelCard card) {
    JsonObject o = GSON.toJsonTree(card).getAsJsonObject();
    JsonObject spec = new JsonObject();
    spec.addProperty("architecture", card.spec().architecture().smpName());
    spec.addProperty("encoder", card.spec().encoder());
    spec.add("decoder_channels", GSON.toJsonTree(card.spec().decoderChannels()));
    spec.addProperty("classes", card.spec().classes());
    spec.addProperty("activation", card.spec().activation().name().toLowerCase());
    o.add("spec", spec);
    return GSON.toJson(o);
  }

  public static ModelCard parseCard(String json) {
    JsonObject o = GSON.fromJson(json, JsonObject.class);
    JsonObject s = o.getAsJsonObject("spec");
    ModelSpec spec = new ModelSpec(ModelSpec.Architecture.of(s.get("architecture").getAsString()),
        s.get("encoder").getAsString(), GSON.fromJson(s.get("decoder_channels"), int[].class),
        s.get("classes").getAsInt(), ModelSpec.Activation.of(s.get("activation").getAsString()));
    o.remove("spec");
    ModelCard rest = GSON.fromJson(o, ModelCard.class);
    return new ModelCard(spec, rest.inputHeight(), rest.inputWidth(), rest.normalizationMean(),
        rest.normalizationStd(), rest.thresholds(), rest.training(), rest.dataVersion(),
        rest.metrics(), rest.gitCommit(), rest.createdAt());
  }

  public static void writeCard(ModelCard card, OutputStream out) throws IOException {
    out.write(cardJson(card).getBytes(StandardCharsets.UTF_8));
  }

  public static ModelCard readCard(InputStream in) throws IOException {
    return parseCard(new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  /** Rebuilds the block from its card and loads the weights into it. */
  public static SegmentationModel load(ModelCard card, SafeTensors weights, NDManager manager,
      String source) {
    SegmentationModel model = SegmentationModel.build(card.spec());
    model.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 64, 64));
    TorchWeights.LoadReport r = TorchWeights.load(model, weights, "", source);
    if (!r.unused().isEmpty()) {
      throw new IllegalArgumentException(source + ": tensors the model does not have: "
          + r.unused());
    }
    return model;
  }

  /** A saved model rebuilt, with the card it was rebuilt from. */
  public record Saved(ModelCard card, SegmentationModel model) {}

  /**
   * Loads the pair {@code <dir>/<name>.json} + {@code <dir>/<name>.safetensors} from a local
   * folder (a fold of a run: {@code runs/<run-id>/fold-<k>}, name {@code best}).
   */
  public static Saved load(java.nio.file.Path dir, String name, NDManager manager)
      throws IOException {
    ModelCard card;
    try (InputStream in = java.nio.file.Files.newInputStream(dir.resolve(name + ".json"))) {
      card = readCard(in);
    }
    SafeTensors weights;
    try (InputStream in = java.nio.file.Files.newInputStream(
        dir.resolve(name + ".safetensors"))) {
      weights = SafeTensors.read(in, dir.resolve(name + ".safetensors").toString());
    }
    return new Saved(card, load(card, weights, manager, dir.toString()));
  }

  /** Loads only the encoder's weights (a torchvision checkpoint); returns what was unused. */
  public static TorchWeights.LoadReport loadEncoder(SegmentationModel model, SafeTensors weights,
      String source) {
    return TorchWeights.load(model.encoder(), weights, "", source);
  }

  /**
   * Loads encoder weights from {@code in}: DJL's own parameter format when {@code source} ends
   * with {@code .params} (as {@link #writeEncoderParams} writes it), otherwise safetensors with
   * torchvision names. The model must be initialized.
   */
  public static void loadEncoder(SegmentationModel model, InputStream in, String source,
      NDManager manager) throws IOException {
    if (source.endsWith(".params")) {
      try {
        model.encoder().loadParameters(manager, new DataInputStream(in));
      } catch (IOException | MalformedModelException | RuntimeException e) {
        throw new IOException(source + ": not DJL parameters of a " + model.encoder().name()
            + " encoder: " + e.getMessage(), e);
      }
    } else {
      loadEncoder(model, SafeTensors.read(in, source), source);
    }
  }

  /** Writes the encoder's parameters in DJL's own format. */
  public static void writeEncoderParams(SegmentationModel model, OutputStream out)
      throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    model.encoder().saveParameters(data);
    data.flush();
  }
}
