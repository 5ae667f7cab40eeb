package io.sparkseg.core.config;

/** Storage format of the tables sparkseg writes. */
public enum TableFormat {
  DELTA, PARQUET;

  /** The Spark data source name. */
  public String sourceName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
