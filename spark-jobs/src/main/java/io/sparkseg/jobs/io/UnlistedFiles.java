package io.sparkseg.jobs.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The files Spark's file sources never show: names (or folders) starting with {@code _} or
 * {@code .} are skipped by {@code binaryFile} even when named explicitly, and zero-byte files
 * are dropped from every scan, so a {@code _x.jpg}, a macOS {@code ._x.jpg} or an empty
 * {@code x.jpg} would be neither read nor counted. Jobs that read a folder list these
 * themselves (recursively, with the job's name glob) and read them here, so every file is read
 * or quarantined ({@code empty-file} for the empty ones). Glob locations
 * ({@code images/*.jpg}) are left to Spark.
 */
public final class UnlistedFiles {
  /** The schema of Spark's {@code binaryFile} source. */
  public static final StructType BINARY_FILE_SCHEMA = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("modificationTime", DataTypes.TimestampType, false)
      .add("length", DataTypes.LongType, false)
      .add("content", DataTypes.BinaryType, true);

  private UnlistedFiles() {}

  /** Whether Spark's listing skips this file or folder name. */
  public static boolean skippedBySpark(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  /**
   * Files under {@code location} (recursively) whose name matches {@code glob} and which Spark
   * does not read: empty, or the name or a folder between it and {@code location} starts with
   * _ or .
   */
  public static List<String> list(Configuration conf, String location, String glob) {
    List<String> out = new ArrayList<>();
    if (location.matches(".*[*?\\[{].*")) {
      return out;
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    Path root = new Path(location);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root) || fs.getFileStatus(root).isFile()) {
        return out;
      }
      String rootPath = fs.makeQualified(root).toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        LocatedFileStatus st = it.next();
        String path = st.getPath().toUri().getPath();
        String relative = path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
        boolean hidden = false;
        for (String part : relative.split("/")) {
          hidden |= !part.isEmpty() && skippedBySpark(part);
        }
        if ((hidden || st.getLen() == 0) && matcher.matches(java.nio.file.Path.of(st.getPath().getName()))
            && !st.getPath().getName().endsWith(".crc")) {
          out.add(st.getPath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + location + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /** {@code paths} as {@code binaryFile} rows, read on the executors. */
  public static Dataset<Row> read(SparkSession spark, List<String> paths) {
    org.apache.spark.util.SerializableConfiguration conf =
        new org.apache.spark.util.SerializableConfiguration(
            spark.sparkContext().hadoopConfiguration());
    return spark.createDataset(paths, Encoders.STRING())
        .map((MapFunction<String, Row>) p -> {
          Path path = new Path(p);
          FileSystem fs = path.getFileSystem(conf.value());
          if (fs instanceof LocalFileSystem local) {
            fs = local.getRaw();
          }
          var st = fs.getFileStatus(path);
          try (InputStream in = fs.open(path)) {
            return RowFactory.create(p, new Timestamp(st.getModificationTime()), st.getLen(),
                in.readAllBytes());
          }
        }, Encoders.row(BINARY_FILE_SCHEMA));
  }
}
