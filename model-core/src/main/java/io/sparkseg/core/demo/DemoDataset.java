package io.sparkseg.core.demo;

/**
 * Size and mix of a generated Severstal-like data set.
 *
 * @param trainImages images under {@code train_images/} (labelled in {@code train.csv})
 * @param testImages images under {@code test_images/} (labels in {@code test_truth.csv})
 * @param height image height in pixels (Severstal: 256)
 * @param width image width in pixels (Severstal: 1600)
 * @param cleanFraction share of images with no defect (Severstal: about one half)
 * @param seed generation seed; the same settings give byte-identical files
 */
public record DemoDataset(int trainImages, int testImages, int height, int width,
    double cleanFraction, long seed) {
  public DemoDataset {
    if (trainImages < 0 || testImages < 0 || trainImages + testImages == 0) {
      throw new IllegalArgumentException("demo data needs at least one image, got train="
          + trainImages + " test=" + testImages);
    }
    if (height < 32 || width < 32) {
      throw new IllegalArgumentException("demo images must be at least 32x32, got "
          + height + "x" + width);
    }
    if (cleanFraction < 0 || cleanFraction > 1) {
      throw new IllegalArgumentException("clean fraction must be in [0,1], got " + cleanFraction);
    }
  }

  public static final int CLASSES = 4;
}
