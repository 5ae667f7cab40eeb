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
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code binaryFile} rows to image rows: a plain file is one image; a {@code .zip}, {@code .tar},
 * {@code .tar.gz} or {@code .tgz} archive is expanded into its entries whose file name matches
 * the glob (source path {@code archive!/entry}). The image id is the file name. An archive
 * that cannot be read to the end gives one row with a reason instead, after the entries that
 * could be read.
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
  private transient PathMatcher matcher;

  ImageFiles(String glob) {
    this.glob = glob;
  }

  static boolean isArchive(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return p.endsWith(".zip") || p.endsWith(".tar") || p.endsWith(".tar.gz")
        || p.endsWith(".tgz");
  }

  @Override
  public Iterator<Row> call(Row file) {
    String path = file.getString(file.fieldIndex("path"));
    byte[] content = (byte[]) file.get(file.fieldIndex("content"));
    if (!isArchive(path)) {
      return List.of(image(fileName(path), path, content)).iterator();
    }
    List<Row> out = new ArrayList<>();
    try (ArchiveInputStream<?> in = open(path, content)) {
      ArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        String name = fileName(e.getName());
        if (e.isDirectory() || name.startsWith(".") || e.getName().startsWith("__MACOSX/")
            || !matches(name)) {
          continue;
        }
        out.add(image(name, path + "!/" + e.getName(), in.readAllBytes()));
      }
    } catch (IOException | RuntimeException e) {
      out.add(RowFactory.create(fileName(path), path, ContentHash.sha256(content), null,
          QuarantineReason.CORRUPT_ARCHIVE.code(), "archive " + path + " cannot be read after "
              + out.size() + " images: " + e.getMessage()));
    }
    return out.iterator();
  }

  private boolean matches(String name) {
    if (matcher == null) {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    }
    return matcher.matches(java.nio.file.Path.of(name));
  }

  private static ArchiveInputStream<?> open(String path, byte[] content) throws IOException {
    String p = path.toLowerCase(Locale.ROOT);
    InputStream raw = new BufferedInputStream(new ByteArrayInputStream(content));
    if (p.endsWith(".zip")) {
      return new ZipArchiveInputStream(raw);
    }
    if (p.endsWith(".tar")) {
      return new TarArchiveInputStream(raw);
    }
    return new TarArchiveInputStream(new GzipCompressorInputStream(raw));
  }

  private static Row image(String id, String source, byte[] content) {
    return RowFactory.create(id, source, ContentHash.sha256(content), content, null, null);
  }

  static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
