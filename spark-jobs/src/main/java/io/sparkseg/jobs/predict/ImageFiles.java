package io.sparkseg.jobs.predict;

import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code binaryFile} listing rows to image rows: a plain file is one image; a {@code .zip},
 * {@code .tar}, {@code .tar.gz} or {@code .tgz} archive is expanded into its entries whose file
 * name matches the glob (source path {@code archive!/entry}). The image id is the file name. An
 * archive that cannot be read to the end gives one row with a reason instead, after the entries
 * that could be read. The listing is read without its {@code content} column and each file is
 * read here (a local disk without Hadoop's checksum layer, whose {@code .name.crc} lookup fails
 * on names with a colon), so one odd or vanished file becomes a quarantine row instead of
 * failing the job.
 */
final class ImageFiles implements FlatMapFunction<Row, Row> {
  static final StructType SCHEMA = new StructType()
      .add("image_id", DataTypes.StringType, false)
      .add("source_path", DataTypes.StringType, false)
      .add("content_hash", DataTypes.StringType, true)
      .add("content", DataTypes.BinaryType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final String glob;
  private final org.apache.spark.util.SerializableConfiguration hadoop;
  private transient PathMatcher matcher;

  ImageFiles(String glob, org.apache.hadoop.conf.Configuration hadoop) {
    this.glob = glob;
    this.hadoop = new org.apache.spark.util.SerializableConfiguration(hadoop);
  }

  /** The bytes of a listed file. */
  private byte[] read(String location) throws IOException {
    org.apache.hadoop.fs.Path p;
    try {
      p = new org.apache.hadoop.fs.Path(new java.net.URI(location));
    } catch (java.net.URISyntaxException e) {
      p = new org.apache.hadoop.fs.Path(location);
    }
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(hadoop.value());
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
      fs = local.getRaw();
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  static boolean isArchive(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return p.endsWith(".zip") || p.endsWith(".tar") || p.endsWith(".tar.gz")
        || p.endsWith(".tgz");
  }

  @Override
  public Iterator<Row> call(Row file) {
    String path = file.getString(file.fieldIndex("path"));
    byte[] content;
    try {
      content = read(path);
    } catch (java.io.FileNotFoundException e) {
      return List.of(RowFactory.create(fileName(path), path, null, null,
          QuarantineReason.MISSING_IMAGE.code(), path + " was listed, then gone: "
              + e.getMessage())).iterator();
    } catch (IOException | RuntimeException e) {
      return List.of(RowFactory.create(fileName(path), path, null, null,
          QuarantineReason.CORRUPT_IMAGE.code(), path + " cannot be read: " + e.getMessage()))
          .iterator();
    }
    if (!isArchive(path)) {
      return List.of(image(fileName(path), path, content)).iterator();
    }
    List<Row> out = new ArrayList<>();
    try {
      if (path.toLowerCase(Locale.ROOT).endsWith(".zip")) {
        readZip(path, content, out);
      } else {
        readTar(path, content, out);
      }
    } catch (IOException | RuntimeException e) {
      out.add(RowFactory.create(fileName(path), path, ContentHash.sha256(content), null,
          QuarantineReason.CORRUPT_ARCHIVE.code(), "archive " + path + " cannot be read after "
              + out.size() + " images: " + e.getMessage()));
    }
    return out.iterator();
  }

  private boolean wanted(String entryName, boolean directory) {
    String name = fileName(entryName);
    return !directory && !name.startsWith(".") && !entryName.startsWith("__MACOSX/")
        && matches(name);
  }

  /** Zip through its central directory, so a damaged archive fails instead of looking empty. */
  private void readZip(String path, byte[] content, List<Row> out) throws IOException {
    try (ZipFile zip = ZipFile.builder()
        .setSeekableByteChannel(new SeekableInMemoryByteChannel(content)).get()) {
      for (ZipArchiveEntry e : java.util.Collections.list(zip.getEntriesInPhysicalOrder())) {
        if (wanted(e.getName(), e.isDirectory())) {
          try (InputStream in = zip.getInputStream(e)) {
            out.add(image(fileName(e.getName()), path + "!/" + e.getName(), in.readAllBytes()));
          }
        }
      }
    }
  }

  private void readTar(String path, byte[] content, List<Row> out) throws IOException {
    InputStream raw = new BufferedInputStream(new ByteArrayInputStream(content));
    if (!path.toLowerCase(Locale.ROOT).endsWith(".tar")) {
      raw = new GzipCompressorInputStream(raw);
    }
    try (TarArchiveInputStream in = new TarArchiveInputStream(raw)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (wanted(e.getName(), e.isDirectory())) {
          out.add(image(fileName(e.getName()), path + "!/" + e.getName(), in.readAllBytes()));
        }
      }
    }
  }

  private boolean matches(String name) {
    if (matcher == null) {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    }
    return matcher.matches(java.nio.file.Path.of(name));
  }

  private static Row image(String id, String source, byte[] content) {
    return RowFactory.create(id, source, ContentHash.sha256(content), content, null, null);
  }

  static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
