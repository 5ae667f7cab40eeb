package io.sparkseg.core.config;

import java.util.List;

/** The configuration is wrong; the message lists every problem, each naming its key. */
public final class ConfigValidationException extends RuntimeException {
  private final List<String> problems;

  public ConfigValidationException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
