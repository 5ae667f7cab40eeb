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
}
