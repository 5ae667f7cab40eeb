package io.sparkseg.core.scene;

import io.sparkseg.core.coco.CocoDataset;
import io.sparkseg.core.geometry.Fit;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reader of the multi-class families: an image file and its label (a label file decoded by
 * a {@link LabelDecoder}, or one image's COCO annotations) to a {@link Sample} at the model's
 * size. Every way a pair can be unusable is a {@link LabelDecoder.LabelException} with its
 * quarantine reason and a message naming the file: unreadable image or label, unknown colour
 * or class value, label of another size, wrong size without {@code data.resize}, unknown
 * COCO category, bad annotation.
 */
public final class SampleReader implements java.io.Serializable {
  private final LabelDecoder decoder;
  private final Fit.Mode resize;
  private final int height;
  private final int width;

  /** {@code decoder} may be null when only COCO annotations are read. */
  public SampleReader(LabelDecoder decoder, Fit.Mode resize, int height, int width) {
    this.decoder = decoder;
    this.resize = resize;
    this.height = height;
    this.width = width;
  }

  /** An image file and its label file. */
  public Sample read(byte[] image, String imageSource, byte[] label, String labelSource)
      throws LabelDecoder.LabelException {
    Image8 img = decodeImage(image, imageSource);
    if (label.length == 0) {
      throw new LabelDecoder.LabelException(QuarantineReason.EMPTY_FILE, labelSource
          + " is empty (0 bytes)");
    }
    ClassMap map = decoder.decode(label, labelSource);
    return Sample.of(img, map, resize, height, width, imageSource, labelSource);
  }

  /**
   * An image file and its COCO annotations: {@code cocoJson} is a COCO file holding this one
   * image (with its size as the annotations saw it), the categories and its annotations;
   * {@code classOfCategory} maps category names to class indices.
   */
  public Sample readCoco(byte[] image, String imageSource, String cocoJson, String cocoSource,
      Map<String, Integer> classOfCategory, boolean crowdIgnored)
      throws LabelDecoder.LabelException {
    Image8 img = decodeImage(image, imageSource);
    CocoDataset coco = CocoDataset.read(new StringReader(cocoJson), cocoSource);
    CocoDataset.Image entry = coco.images().get(0);
    if (entry.height() != img.height() || entry.width() != img.width()) {
      throw new LabelDecoder.LabelException(QuarantineReason.LABEL_SIZE_MISMATCH, cocoSource
          + ": image " + entry.fileName() + " is " + entry.height() + "x" + entry.width()
          + " in the annotations but " + img.height() + "x" + img.width() + " in "
          + imageSource);
    }
    List<CocoDataset.Problem> problems = new ArrayList<>();
    ClassMap map = coco.classMap(entry, classOfCategory, crowdIgnored, problems);
    if (map == null) {
      CocoDataset.Problem p = problems.get(0);
      throw new LabelDecoder.LabelException(QuarantineReason.of(p.reason()), p.detail()
          + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
    }
    Sample sample = Sample.of(img, map, resize, height, width, imageSource, cocoSource);
    // each annotation's own mask at the sample's size (the same fit, nearest neighbour)
    List<Sample.Instance> instances = new ArrayList<>();
    for (CocoDataset.Annotation a : coco.annotationsOf(entry.id())) {
      io.sparkseg.core.mask.BinaryMask m = coco.mask(entry, a);
      if (sample.fit() != null) {
        ClassMap fitted = sample.fit().apply(new ClassMap(m.height(), m.width(),
            m.toRowMajor()));
        byte[] on = fitted.classes();
        for (int i = 0; i < on.length; i++) {
          on[i] = (byte) ((on[i] & 0xFF) == 1 ? 1 : 0);
        }
        m = io.sparkseg.core.mask.BinaryMask.wrap(fitted.height(), fitted.width(), on);
      }
      String name = coco.categories().stream().filter(c -> c.id() == a.categoryId())
          .map(CocoDataset.Category::name).findFirst().orElse("");
      instances.add(new Sample.Instance(a.id(), classOfCategory.get(name) + 1, a.crowd(),
          io.sparkseg.core.rle.Rle.encode(m)));
    }
    return sample.withInstances(instances);
  }

  private static Image8 decodeImage(byte[] image, String source)
      throws LabelDecoder.LabelException {
    if (image.length == 0) {
      throw new LabelDecoder.LabelException(QuarantineReason.EMPTY_FILE, source
          + " is empty (0 bytes)");
    }
    try {
      return ImageCodec.decode(image);
    } catch (ImageDecodeException e) {
      throw new LabelDecoder.LabelException(e.reason(), source + ": " + e.getMessage());
    }
  }
}
