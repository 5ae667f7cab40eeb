package io.sparkseg.core.detect;

import io.sparkseg.core.image.Image8;
import java.util.List;

/**
 * Finds people in a photo. An instance is used by one thread at a time (it may hold a DJL
 * predictor or an OpenCV descriptor); {@link DetectorModel#newDetector()} makes one per thread
 * or Spark partition from a model loaded once.
 */
public interface PersonDetector extends AutoCloseable {

  /** People in {@code image}, best score first; empty when there are none. */
  List<Detection> detect(Image8 image);

  /** Releases what this detector holds (not the shared model). */
  @Override
  void close();
}
