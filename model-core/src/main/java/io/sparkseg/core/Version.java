package io.sparkseg.core;

/** The sparkseg version, one place for the CLI, model cards and exported models. */
public final class Version {
  /** Keep equal to the Maven project version (without -SNAPSHOT). */
  public static final String SPARKSEG = "0.1.0";

  private Version() {}
}
