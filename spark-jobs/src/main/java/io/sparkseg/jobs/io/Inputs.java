package io.sparkseg.jobs.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** Fail-fast checks of input locations, through Hadoop's FileSystem (local, s3a://, dbfs:/). */
public final class Inputs {
  private Inputs() {}

  /** A clear error naming the setting and the path when {@code location} does not exist. */
  public static void requireExists(SparkSession spark, String settingKey, String location,
      boolean directory) {
    Path p = new Path(location);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new IllegalArgumentException(settingKey + ": " + (directory ? "folder" : "file")
            + " not found: " + location);
      }
      boolean isDir = fs.getFileStatus(p).isDirectory();
      if (isDir != directory) {
        throw new IllegalArgumentException(settingKey + ": expected a " + (directory ? "folder"
            : "file") + " but " + location + " is a " + (isDir ? "folder" : "file"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(settingKey + ": cannot read " + location + ": "
          + e.getMessage(), e);
    }
  }

  /** True when {@code location} exists. */
  public static boolean exists(SparkSession spark, String location) {
    Path p = new Path(location);
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every file under {@code location} (recursively) whose name matches {@code glob}, sorted,
   * those Spark's listing skips (hidden names, empty files) included so they are counted too.
   */
  public static java.util.List<String> listFiles(SparkSession spark, String location,
      String glob) {
    java.util.Set<String> paths = new java.util.TreeSet<>(spark.read().format("binaryFile")
        .option("recursiveFileLookup", "true").option("pathGlobFilter", glob).load(location)
        .select("path").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    paths.addAll(UnlistedFiles.list(spark.sparkContext().hadoopConfiguration(), location, glob));
    return new java.util.ArrayList<>(paths);
  }

  /** {@code path} relative to {@code root} ('/'-separated), or null when not under it. */
  public static String relative(String path, String root) {
    String p = new Path(path).toUri().getPath();
    String r = new Path(root).toUri().getPath();
    r = r.endsWith("/") ? r : r + "/";
    return p.startsWith(r) ? p.substring(r.length()) : null;
  }

  /**
   * The bytes of one file, read on an executor: local files through the raw file system (no
   * checksum layer, whose {@code .name.crc} lookup fails on names with a colon), others through
   * their Hadoop file system (s3a://, HDFS).
   */
  public static byte[] readBytes(String location, org.apache.hadoop.conf.Configuration conf)
      throws IOException {
    Path p = new Path(location);
    FileSystem fs = p.getFileSystem(conf);
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
      fs = local.getRaw();
    }
    try (java.io.InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
