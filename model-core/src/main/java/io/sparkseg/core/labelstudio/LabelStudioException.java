package io.sparkseg.core.labelstudio;

import io.sparkseg.core.quality.QuarantineReason;

/** A Label Studio task or result that cannot be turned into masks, with its quarantine reason. */
public final class LabelStudioException extends RuntimeException {
  private final QuarantineReason reason;

  public LabelStudioException(QuarantineReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public QuarantineReason reason() {
    return reason;
  }
}
