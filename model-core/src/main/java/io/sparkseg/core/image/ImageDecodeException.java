package io.sparkseg.core.image;

import io.sparkseg.core.quality.QuarantineReason;

/** The bytes are not a readable image: {@link QuarantineReason#NOT_AN_IMAGE} or CORRUPT_IMAGE. */
public final class ImageDecodeException extends Exception {
  private final QuarantineReason reason;

  public ImageDecodeException(QuarantineReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageDecodeException(QuarantineReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public QuarantineReason reason() {
    return reason;
  }
}
