package io.sparkseg.core.scene;

import io.sparkseg.core.geometry.Fit;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.quality.QuarantineReason;
import io.sparkseg.core.rle.Rle;

/**
 * One training sample of a multi-class family: the image and its class map at the model's
 * size, and the {@link Fit} that brought them there (null when the source already had that
 * size), so predictions go back to the source size with {@link Fit#toSource}. Its masks are
 * what the sample tables hold: per class (1-based ids in the tables, index 0 = class 1) the
 * pixels of that class as Kaggle RLE; ignored pixels are in no class's mask.
 */
public record Sample(Image8 image, ClassMap classMap, Fit fit, java.util.List<Instance> instances) {

  /**
   * One object of an instance-annotated source (COCO): its annotation id, class (1-based, as in
   * the tables), crowd flag and mask as Kaggle RLE at the sample's size; kept for instance work.
   */
  public record Instance(long annotationId, int classId, boolean crowd, String rle) {}

  public Sample {
    instances = java.util.List.copyOf(instances);
  }

  public Sample(Image8 image, ClassMap classMap, Fit fit) {
    this(image, classMap, fit, java.util.List.of());
  }

  /** This sample with its instances. */
  public Sample withInstances(java.util.List<Instance> list) {
    return new Sample(image, classMap, fit, list);
  }

  /**
   * The sample of an image and its label: both must have the same size
   * ({@code label-size-mismatch} otherwise); a source of another size than
   * {@code height × width} is fitted by {@code mode}, or refused ({@code wrong-size}) when
   * {@code mode} is null.
   */
  public static Sample of(Image8 image, ClassMap label, Fit.Mode mode, int height, int width,
      String imageSource, String labelSource) throws LabelDecoder.LabelException {
    if (image.height() != label.height() || image.width() != label.width()) {
      throw new LabelDecoder.LabelException(QuarantineReason.LABEL_SIZE_MISMATCH, labelSource
          + " is " + label.height() + "x" + label.width() + " but its image " + imageSource
          + " is " + image.height() + "x" + image.width());
    }
    if (image.height() == height && image.width() == width) {
      return new Sample(image, label, null);
    }
    if (mode == null) {
      throw new LabelDecoder.LabelException(QuarantineReason.WRONG_SIZE, imageSource + " is "
          + image.height() + "x" + image.width() + ", the models take " + height + "x" + width
          + " (set sparkseg.data.resize to stretch, letterbox or crop to fit it)");
    }
    Fit fit = Fit.of(mode, image.height(), image.width(), height, width);
    return new Sample(fit.apply(image, 0), fit.apply(label), fit);
  }

  /** The mask of each class 0..classes-1 as RLE ("" when the class is absent). */
  public String[] rles(int classes) {
    String[] out = new String[classes];
    long[] counts = classMap.histogram();
    for (int c = 0; c < classes; c++) {
      out[c] = counts[c] == 0 ? "" : Rle.encode(classMap.mask(c));
    }
    return out;
  }

  /** Pixels of each class 0..classes-1. */
  public long[] pixels(int classes) {
    long[] h = classMap.histogram();
    return java.util.Arrays.copyOf(h, classes);
  }

  /** Pixels no class covers (ignored, or letterbox padding). */
  public long ignoredPixels() {
    return classMap.histogram()[ClassMap.IGNORE];
  }
}
