package io.sparkseg.core.nn;

import java.util.List;

/** The encoders sparkseg builds, by smp name. */
public final class Encoders {
  /** Every supported encoder name. */
  public static final List<String> NAMES = List.of("resnet18", "resnet34", "resnet50",
      "mobilenet_v2");

  private Encoders() {}

  /** Fails with the list of names unless {@code name} is supported. */
  public static void validate(String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown encoder '" + name + "'; expected one of "
          + NAMES);
    }
  }

  /** A new encoder with {@code depth} stages at the given output stride (32, or 16 dilated). */
  public static Encoder create(String name, int depth, int outputStride) {
    validate(name);
    return name.equals("mobilenet_v2") ? new MobileNetV2Encoder(depth, outputStride)
        : new ResNetEncoder(ResNetEncoder.Variant.of(name), depth, outputStride);
  }
}
