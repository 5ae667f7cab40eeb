package io.sparkseg.core.nn;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a segmentation model is, with smp's names and options: architecture, encoder name,
 * decoder channels, number of classes and the activation applied to the logits at inference
 * (sigmoid: independent classes, multi-label; softmax: one class per pixel). Everything needed
 * to rebuild the exact block; the model card stores it.
 */
public record ModelSpec(Architecture architecture, String encoder, int[] decoderChannels,
    int classes, Activation activation) implements java.io.Serializable {

  /** The architectures sparkseg builds. */
  public enum Architecture {
    /** decoder channels: the five decoder blocks. */
    UNET("Unet", new int[] {256, 128, 64, 32, 16}, 3),
    /** decoder channels: the five outermost nodes x_0_0 .. x_0_4. */
    UNET_PLUS_PLUS("UnetPlusPlus", new int[] {256, 128, 64, 32, 16}, 3),
    /** decoder channels: pyramid, segmentation. */
    FPN("FPN", new int[] {256, 128}, 1),
    /** decoder channels: the pre-final channels. */
    LINKNET("Linknet", new int[] {32}, 1),
    /** decoder channels: ASPP/decoder channels; atrous rates 12, 24, 36; output stride 16. */
    DEEPLABV3_PLUS("DeepLabV3Plus", new int[] {256}, 1),
    /** decoder channels: PSP output channels; encoder depth 3. */
    PSPNET("PSPNet", new int[] {512}, 3);

    private final String smpName;
    private final int[] defaultDecoderChannels;
    private final int headKernel;

    Architecture(String smpName, int[] defaultDecoderChannels, int headKernel) {
      this.smpName = smpName;
      this.defaultDecoderChannels = defaultDecoderChannels;
      this.headKernel = headKernel;
    }

    /** Kernel of smp's segmentation head for this architecture. */
    public int headKernel() {
      return headKernel;
    }

    public String smpName() {
      return smpName;
    }

    public int[] defaultDecoderChannels() {
      return defaultDecoderChannels.clone();
    }

    /** Parses an smp architecture name, case-insensitively. */
    public static Architecture of(String name) {
      for (Architecture a : values()) {
        if (a.smpName.equalsIgnoreCase(name) || a.name().equalsIgnoreCase(name)) {
          return a;
        }
      }
      throw new IllegalArgumentException("unknown architecture '" + name + "'; expected one of "
          + Arrays.stream(values()).map(Architecture::smpName).toList());
    }
  }

  /** Activation at inference. */
  public enum Activation {
    SIGMOID, SOFTMAX;

    public static Activation of(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
  }

  public ModelSpec {
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be >= 1, got " + classes);
    }
    if (activation == Activation.SOFTMAX && classes < 2) {
      throw new IllegalArgumentException("softmax needs at least 2 classes");
    }
    Encoders.validate(encoder);
    decoderChannels = decoderChannels == null ? architecture.defaultDecoderChannels()
        : decoderChannels.clone();
    if (decoderChannels.length != architecture.defaultDecoderChannels.length) {
      throw new IllegalArgumentException(architecture.smpName() + " takes "
          + architecture.defaultDecoderChannels.length + " decoder channel values, got "
          + Arrays.toString(decoderChannels));
    }
  }

  /** U-Net with smp's default decoder channels. */
  public static ModelSpec unet(String encoder, int classes, Activation activation) {
    return new ModelSpec(Architecture.UNET, encoder, null, classes, activation);
  }

  @Override
  public int[] decoderChannels() {
    return decoderChannels.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec s && s.architecture == architecture
        && s.encoder.equals(encoder) && Arrays.equals(s.decoderChannels, decoderChannels)
        && s.classes == classes && s.activation == activation;
  }

  @Override
  public int hashCode() {
    return ((architecture.hashCode() * 31 + encoder.hashCode()) * 31
        + Arrays.hashCode(decoderChannels)) * 31 + classes;
  }

  @Override
  public String toString() {
    return architecture.smpName() + "(" + encoder + ", decoder " + Arrays.toString(decoderChannels)
        + ", " + classes + " classes, " + activation.name().toLowerCase(Locale.ROOT) + ")";
  }
}
