package io.sparkseg.jobs.train;

import io.sparkseg.core.train.CheckpointStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@link CheckpointStore} on any Hadoop FileSystem (local, hdfs://, s3a://, dbfs:/), so a
 * fold's checkpoints outlive the executor that wrote them. A write goes to a hidden temporary
 * file that is renamed into place: atomic on HDFS and local disks. On S3 an object only appears
 * when its upload completes, so readers never see half a file there either.
 */
public final class HadoopCheckpointStore implements CheckpointStore {
  private final Path dir;
  private final Configuration conf;
  private transient FileSystem fs;

  public HadoopCheckpointStore(String dir, Configuration conf) {
    this.dir = new Path(dir);
    this.conf = conf;
  }

  private FileSystem fs() throws IOException {
    if (fs == null) {
      fs = dir.getFileSystem(conf);
      fs.mkdirs(dir);
    }
    return fs;
  }

  @Override
  public void write(String name, IoConsumer<OutputStream> body) throws IOException {
    Path tmp = new Path(dir, "." + name + "." + UUID.randomUUID() + ".tmp");
    Path target = new Path(dir, name);
    try {
      try (FSDataOutputStream out = fs().create(tmp, true)) {
        body.accept(out);
      }
      if (fs().exists(target)) {
        fs().delete(target, false);
      }
      if (!fs().rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } finally {
      if (fs().exists(tmp)) {
        fs().delete(tmp, false);
      }
    }
  }

  @Override
  public InputStream open(String name) throws IOException {
    return fs().open(new Path(dir, name));
  }

  @Override
  public boolean exists(String name) throws IOException {
    return fs().exists(new Path(dir, name));
  }

  @Override
  public List<String> list() throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs().listStatus(dir)) {
      String n = s.getPath().getName();
      if (s.isFile() && !n.startsWith(".")) {
        names.add(n);
      }
    }
    names.sort(null);
    return names;
  }

  @Override
  public void delete(String name) throws IOException {
    fs().delete(new Path(dir, name), false);
  }

  @Override
  public String location(String name) {
    return new Path(dir, name).toString();
  }
}
