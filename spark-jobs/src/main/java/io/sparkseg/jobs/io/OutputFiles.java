package io.sparkseg.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Single files people open (submission, overlays, reports) written through Hadoop's FileSystem,
 * so they can go to s3a://, dbfs:/ or a local disk. On a local disk the raw file system is
 * used: no {@code .name.crc} checksum files next to them.
 */
public final class OutputFiles {
  private OutputFiles() {}

  /** Creates (or replaces) {@code file}. */
  public static OutputStream create(String file, Configuration conf) throws IOException {
    return create(new Path(file), conf);
  }

  public static OutputStream create(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) {
      fs = local.getRaw();
    }
    return fs.create(p, true);
  }

  /** Writes a file's bytes; may throw. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Replaces {@code file} with what {@code writer} writes, all or nothing: the bytes go to a
   * hidden temporary file beside it ({@code .<name>.<unique>.inprogress}), which is renamed
   * over {@code file} only after the writer finished and the stream closed. A failure
   * part-way leaves the previous file as it was and deletes the temporary one. On a local disk
   * or HDFS the rename is atomic; on an object store (s3a) the old object is deleted first
   * when the store refuses to rename over it, and the new one appears whole (a copy of a
   * complete object), never partly written.
   */
  public static void replaceAtomically(Path file, Configuration conf, Writer writer)
      throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) {
      fs = local.getRaw();
    }
    Path tmp = new Path(file.getParent(), "." + file.getName() + "."
        + java.util.UUID.randomUUID().toString().substring(0, 8) + ".inprogress");
    boolean moved = false;
    try {
      try (OutputStream out = fs.create(tmp, false)) {
        writer.write(out);
      }
      moved = rename(fs, tmp, file);
      if (!moved) {
        throw new IOException("could not move " + tmp + " to " + file);
      }
    } finally {
      if (!moved) {
        try {
          fs.delete(tmp, false);
        } catch (IOException ignored) {
          // the temporary file is hidden; the original failure is what matters
        }
      }
    }
  }

  private static boolean rename(FileSystem fs, Path from, Path to) throws IOException {
    try {
      if (fs.rename(from, to)) {
        return true;
      }
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      // object stores: fall through to delete, then rename
    }
    fs.delete(to, false);
    return fs.rename(from, to);
  }
}
