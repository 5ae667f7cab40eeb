package io.sparkseg.core.rle;

import io.sparkseg.core.quality.QuarantineReason;

/** A run-length encoding that breaks the Kaggle rules; {@link #reason()} says which. */
public final class RleException extends IllegalArgumentException {
  private final QuarantineReason reason;

  public RleException(QuarantineReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public QuarantineReason reason() {
    return reason;
  }
}
