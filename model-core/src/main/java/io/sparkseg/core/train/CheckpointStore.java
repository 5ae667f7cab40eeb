package io.sparkseg.core.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * A folder for one fold's checkpoints, history and models: local here, any Hadoop FileSystem
 * (s3a://, hdfs://, dbfs:/) on the Spark side. {@link #write} must be atomic: a reader sees the
 * old file or the complete new one, never a half-written one (a task can die mid-write).
 */
public interface CheckpointStore {
  /** Writes {@code name} atomically with what {@code body} writes. */
  void write(String name, IoConsumer<OutputStream> body) throws IOException;

  InputStream open(String name) throws IOException;

  boolean exists(String name) throws IOException;

  /** File names in the folder. */
  List<String> list() throws IOException;

  void delete(String name) throws IOException;

  /** Full location of {@code name}, for logs and model cards. */
  String location(String name);

  /** Opens something, possibly failing with an I/O error. */
  @FunctionalInterface
  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** An I/O action. */
  @FunctionalInterface
  interface IoConsumer<T> {
    void accept(T t) throws IOException;
  }
}
