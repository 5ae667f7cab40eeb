package io.sparkseg.core.detect;

import io.sparkseg.core.geometry.SquareCrop;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.quality.QuarantineReason;
import java.util.List;

/**
 * Detect → region of interest → crop, for one photo: the best-scoring person gives the square
 * ({@link Roi#crop}); nobody found gives the configured fallback, recorded as such, or a
 * {@link NoPersonException} when the fallback is quarantine. One instance per thread (it holds
 * a {@link PersonDetector}).
 */
public final class PhotoCropper implements AutoCloseable {
  private final PersonDetector detector;
  private final String detectorName;
  private final Roi roi;
  private final Roi.Fallback fallback;

  public PhotoCropper(DetectorModel model, Roi roi, Roi.Fallback fallback) {
    this.detector = model.newDetector();
    this.detectorName = model.name();
    this.roi = roi;
    this.fallback = fallback;
  }

  /**
   * A crop and how it was found: {@code detector} always names the detector that ran;
   * {@code person} is null and {@code fallback} names the fallback when nobody was found.
   */
  public record Crop(SquareCrop transform, Image8 image, String detector, Detection person,
      String fallback) {}

  /** Nobody found and the fallback is quarantine. */
  public static final class NoPersonException extends RuntimeException {
    public NoPersonException(String message) {
      super(message);
    }

    public QuarantineReason reason() {
      return QuarantineReason.NO_PERSON;
    }
  }

  public Crop crop(Image8 photo) {
    List<Detection> people = detector.detect(photo);
    if (!people.isEmpty()) {
      Detection best = people.get(0);
      SquareCrop t = roi.crop(best, photo.height(), photo.width());
      return new Crop(t, t.apply(photo), detectorName, best, null);
    }
    if (fallback == Roi.Fallback.QUARANTINE) {
      throw new NoPersonException(detectorName + " found nobody in the " + photo.width() + "x"
          + photo.height() + " photo (fallback: quarantine)");
    }
    SquareCrop t = roi.fallback(fallback, photo.height(), photo.width());
    return new Crop(t, t.apply(photo), detectorName, null, fallback.code());
  }

  @Override
  public void close() {
    detector.close();
  }
}
