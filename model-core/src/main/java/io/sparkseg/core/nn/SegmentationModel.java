package io.sparkseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkseg.core.onnx.OnnxExportable;
import io.sparkseg.core.onnx.OnnxGraph;
import java.util.List;

/**
 * encoder → decoder → segmentation head, as smp composes them and with smp's parameter names
 * ({@code encoder.*}, {@code decoder.*}, {@code segmentation_head.0.*}). The forward pass maps
 * an NCHW float batch (normalized) to NCHW class logits at input resolution; the activation of
 * {@link ModelSpec#activation()} is applied by the caller at inference, so losses see logits.
 */
public final class SegmentationModel extends AbstractBlock implements OnnxExportable {
  private static final int DEPTH_STRIDE = 32;
  private final ModelSpec spec;
  private final Encoder encoder;
  private final Decoder decoder;
  private final Blocks.SegmentationHead head;

  private SegmentationModel(ModelSpec spec, Encoder encoder, Decoder decoder) {
    this.spec = spec;
    this.encoder = addChildBlock("encoder", encoder);
    this.decoder = addChildBlock("decoder", decoder);
    this.head = addChildBlock("segmentation_head", new Blocks.SegmentationHead(spec.classes(),
        spec.architecture().headKernel()));
    // smp's initialization: encoder as torchvision (kaiming normal, fan_out), decoder kaiming
    // uniform (fan_in), head Xavier uniform; biases 0, norm weights 1 (DJL's defaults).
    encoder.setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
        XavierInitializer.FactorType.OUT, 2), Parameter.Type.WEIGHT);
    decoder.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
        XavierInitializer.FactorType.IN, 6), Parameter.Type.WEIGHT);
    head.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
        XavierInitializer.FactorType.AVG, 3), Parameter.Type.WEIGHT);
  }

  /** Builds the (uninitialized) block a spec describes. */
  public static SegmentationModel build(ModelSpec spec) {
    int[] dc = spec.decoderChannels();
    Encoder encoder = switch (spec.architecture()) {
      case PSPNET -> Encoders.create(spec.encoder(), 3, 32);
      case DEEPLABV3_PLUS -> Encoders.create(spec.encoder(), 5, 16);
      default -> Encoders.create(spec.encoder(), 5, 32);
    };
    int[] ch = encoder.outChannels();
    Decoder decoder = switch (spec.architecture()) {
      case UNET -> new UnetDecoder(ch, dc);
      case UNET_PLUS_PLUS -> new UnetPlusPlusDecoder(ch, dc);
      case FPN -> new FpnDecoder(ch, dc[0], dc[1], 0.2f);
      case LINKNET -> new LinknetDecoder(ch, dc[0]);
      case DEEPLABV3_PLUS -> new DeepLabV3PlusDecoder(ch, dc[0], new int[] {12, 24, 36});
      case PSPNET -> new PspDecoder(ch, dc[0], 0.2f);
    };
    return new SegmentationModel(spec, encoder, decoder);
  }

  public ModelSpec spec() {
    return spec;
  }

  public Encoder encoder() {
    return encoder;
  }

  /** Fails with a clear message unless H and W are multiples of 32 (five ×2 downsamplings). */
  public static void checkInputShape(Shape s) {
    if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % DEPTH_STRIDE != 0
        || s.get(3) % DEPTH_STRIDE != 0) {
      throw new IllegalArgumentException("model input must be N x 3 x H x W with H and W "
          + "multiples of " + DEPTH_STRIDE + ", got " + s);
    }
  }

  /**
   * Marks every trainable parameter (not BatchNorm's running statistics) as requiring a gradient;
   * call once after {@link #initialize}.
   */
  public void attachGradients() {
    getParameters().values().forEach(p -> {
      if (p.requiresGradient()) {
        p.getArray().setRequiresGradient(true);
      }
    });
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    checkInputShape(x.getShape());
    NDList features = encoder.forward(ps, new NDList(x), training);
    NDArray d = decoder.forward(ps, features, training).singletonOrThrow();
    NDArray logits = head.forward(ps, new NDList(d), training).singletonOrThrow();
    if (decoder.outStride() != 1) {
      logits = Blocks.upsampleBilinear(logits, x.getShape().get(2), x.getShape().get(3));
    }
    return new NDList(logits);
  }

  /** Normalized NCHW input to logits, as {@link #forward} at inference. */
  @Override
  public List<String> toOnnx(OnnxGraph g, List<String> inputs) {
    List<String> features;
    try (OnnxGraph.Scope scope = g.scope("encoder")) {
      features = ((OnnxExportable) encoder).toOnnx(g, inputs);
    }
    String d;
    try (OnnxGraph.Scope scope = g.scope("decoder")) {
      d = ((OnnxExportable) decoder).toOnnx(g, features).get(0);
    }
    try (OnnxGraph.Scope scope = g.scope("segmentation_head")) {
      String logits = head.toOnnx(g, List.of(d)).get(0);
      return List.of(decoder.outStride() == 1 ? logits
          : g.upsample(logits, decoder.outStride(), true));
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    checkInputShape(inputShapes[0]);
    encoder.initialize(manager, dataType, inputShapes[0]);
    Shape[] features = encoder.getOutputShapes(inputShapes);
    decoder.initialize(manager, dataType, features);
    head.initialize(manager, dataType, decoder.getOutputShapes(features));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), spec.classes(), s.get(2), s.get(3))};
  }
}
