package io.sparkseg.core.detect;

import ai.djl.Device;
import java.nio.file.Path;

/** Opens the configured person detector. */
public final class DetectorModels {
  private DetectorModels() {}

  /**
   * {@code hog} or {@code yolo-seg} (then {@code localModel} is the export on the local disk).
   */
  public static DetectorModel open(String kind, Path localModel, YoloSeg yolo, HogPeople hog,
      Device device) {
    return switch (kind) {
      case "hog" -> hog;
      case "yolo-seg" -> YoloSegModel.load(localModel, yolo, device, true);
      default -> throw new IllegalArgumentException("unknown detector kind '" + kind
          + "' (hog or yolo-seg)");
    };
  }
}
