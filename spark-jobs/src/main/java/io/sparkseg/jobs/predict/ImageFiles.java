package io.sparkseg.jobs.predict;

import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
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

  private final long maxEntryBytes;

  ImageFiles(String glob, org.apache.hadoop.conf.Configuration hadoop, long maxEntryBytes) {
    this.glob = glob;
    this.hadoop = new org.apache.spark.util.SerializableConfiguration(hadoop);
    this.maxEntryBytes = maxEntryBytes;
  }

  static boolean isArchive(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return p.endsWith(".zip") || p.endsWith(".tar") || p.endsWith(".tar.gz")
        || p.endsWith(".tgz");
  }

  @Override
  public Iterator<Row> call(Row file) {
    String path = file.getString(file.fieldIndex("path"));
    if (!isArchive(path)) {
      byte[] content;
      try (InputStream in = open(path)) {
        content = in.readAllBytes();
      } catch (java.io.FileNotFoundException e) {
        return List.of(gone(path, e)).iterator();
      } catch (IOException | RuntimeException e) {
        return List.of(unreadable(path, e)).iterator();
      }
      return List.of(image(fileName(path), path, content)).iterator();
    }
    java.util.List<String> fields = java.util.Arrays.asList(file.schema().fieldNames());
    int slice = fields.contains("slice") ? file.getInt(file.fieldIndex("slice")) : 0;
    int slices = fields.contains("slices") ? file.getInt(file.fieldIndex("slices")) : 1;
    return new ArchiveRows(path, slice, slices);
  }

  /**
   * An archive's rows, read lazily entry by entry as Spark asks for them: memory holds one
   * entry at a time (at most archive-entry-max-bytes), however large the archive. Slice
   * {@code slice} of {@code slices} yields the wanted entries whose index modulo
   * {@code slices} is {@code slice}, so the slices of one archive together yield each entry
   * once. Rows about the archive as a whole (empty, unreadable, corrupt part-way) come from
   * slice 0 only. Zips are streamed through their local headers (entries written with data
   * descriptors included), so a damaged one yields the entries before the damage.
   */
  private final class ArchiveRows implements Iterator<Row> {
    private final String path;
    private final int slice;
    private final int slices;
    private final java.security.MessageDigest sha;
    private java.security.DigestInputStream in;
    private org.apache.commons.compress.archivers.ArchiveInputStream<?> archive;
    private long wantedSeen;
    private boolean anyEntry;
    private boolean done;
    private Row pending;

    ArchiveRows(String path, int slice, int slices) {
      this.path = path;
      this.slice = slice;
      this.slices = slices;
      try {
        sha = java.security.MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
      if (task != null) { // an iterator left unfinished still closes its stream
        // (cast: the Scala Function1 overload makes a bare lambda ambiguous)
        task.addTaskCompletionListener(
            (org.apache.spark.util.TaskCompletionListener) ctx -> close());
      }
    }

    @Override
    public boolean hasNext() {
      if (pending == null && !done) {
        pending = advance();
      }
      return pending != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Row r = pending;
      pending = null;
      return r;
    }

    /** The next row of this slice, or null at the end (the stream then closed). */
    private Row advance() {
      try {
        if (in == null && !open()) {
          return finish(slice == 0 ? RowFactory.create(fileName(path), path, null, null,
              QuarantineReason.EMPTY_FILE.code(), "archive " + path + " is empty (0 bytes)")
              : null);
        }
      } catch (java.io.FileNotFoundException e) {
        return finish(slice == 0 ? gone(path, e) : null);
      } catch (IOException | RuntimeException e) {
        return finish(slice == 0 ? unreadable(path, e) : null);
      }
      try {
        org.apache.commons.compress.archivers.ArchiveEntry e;
        while ((e = archive.getNextEntry()) != null) {
          anyEntry = true;
          if (!wanted(e.getName(), e.isDirectory())) {
            continue;
          }
          if (wantedSeen++ % slices == slice) {
            return entry(path, e.getName(), archive);
          }
        }
        if (!anyEntry && archive instanceof ZipArchiveInputStream) {
          throw new IOException("no zip entries (not a zip archive, or an empty one)");
        }
        return finish(null);
      } catch (IOException | RuntimeException e) {
        Row corrupt = null;
        if (slice == 0) {
          try {
            in.transferTo(OutputStream.nullOutputStream()); // the whole file's hash, for the record
            corrupt = RowFactory.create(fileName(path), path, hex(sha.digest()), null,
                QuarantineReason.CORRUPT_ARCHIVE.code(), "archive " + path
                    + " cannot be read after " + wantedSeen + " images: " + e.getMessage());
          } catch (IOException | RuntimeException again) {
            corrupt = unreadable(path, again);
          }
        }
        return finish(corrupt);
      }
    }

    /** Opens the archive; false when the file is empty. */
    private boolean open() throws IOException {
      in = new java.security.DigestInputStream(new BufferedInputStream(
          ImageFiles.this.open(path), 1 << 16), sha);
      in.mark(1);
      if (in.read() == -1) {
        return false;
      }
      in.reset();
      String lower = path.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".zip")) {
        archive = new ZipArchiveInputStream(in, "UTF8", true, true);
      } else {
        archive = new TarArchiveInputStream(lower.endsWith(".tar") ? in
            : new GzipCompressorInputStream(in));
      }
      return true;
    }

    private Row finish(Row last) {
      done = true;
      close();
      return last;
    }

    private void close() {
      try {
        if (in != null) {
          in.close();
        }
      } catch (IOException ignored) {
        // read to the end or abandoned: nothing left to lose
      }
    }
  }

  private InputStream open(String location) throws IOException {
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
    return fs.open(p);
  }

  private static Row gone(String path, Exception e) {
    return RowFactory.create(fileName(path), path, null, null,
        QuarantineReason.MISSING_IMAGE.code(), path + " was listed, then gone: " + e.getMessage());
  }

  private static Row unreadable(String path, Exception e) {
    return RowFactory.create(fileName(path), path, null, null,
        QuarantineReason.CORRUPT_IMAGE.code(), path + " cannot be read: " + e.getMessage());
  }

  private static String hex(byte[] digest) {
    StringBuilder sb = new StringBuilder();
    for (byte b : digest) {
      sb.append(String.format("%02x", b & 0xFF));
    }
    return sb.toString();
  }

  /**
   * One entry: too large, a nested archive, or an image (its bytes, read up to the cap). The
   * image id is the entry's file name; folders in the entry name (even {@code ..} or an
   * absolute path) only go into the source path, as nothing is extracted to disk.
   */
  private Row entry(String path, String entryName, InputStream in) throws IOException {
    String source = path + "!/" + entryName;
    String id = fileName(entryName);
    if (isArchive(entryName)) {
      return RowFactory.create(id, source, null, null, QuarantineReason.NESTED_ARCHIVE.code(),
          source + " is an archive inside an archive: not expanded (extract it, or put it "
              + "beside the others)");
    }
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxEntryBytes + 1));
    if (bytes.length > maxEntryBytes) {
      return RowFactory.create(id, source, null, null,
          QuarantineReason.ARCHIVE_ENTRY_TOO_LARGE.code(), source + " expands to more than "
              + maxEntryBytes + " bytes (sparkseg.predict.archive-entry-max-bytes)");
    }
    return image(id, source, bytes);
  }

  private boolean wanted(String entryName, boolean directory) {
    String name = fileName(entryName);
    return !directory && !name.startsWith(".") && !entryName.startsWith("__MACOSX/")
        && (matches(name) || isArchive(name));
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

  /**
   * The id of an image of a multi-class family: its path relative to {@code root} without the
   * extension ({@code <sequence>/<frame>}), the path inside the archive for archive entries, the
   * file name (without extension) for a file outside {@code root}. Outputs mirror it.
   */
  static String relativeId(String sourcePath, String root) {
    int bang = sourcePath.indexOf("!/");
    String rel;
    if (bang >= 0) {
      rel = sourcePath.substring(bang + 2);
    } else {
      String p = new org.apache.hadoop.fs.Path(sourcePath).toUri().getPath();
      String r = root.matches(".*[*?\\[{].*") ? "" : new org.apache.hadoop.fs.Path(root).toUri()
          .getPath();
      r = r.endsWith("/") ? r : r + "/";
      rel = !r.equals("/") && p.startsWith(r) ? p.substring(r.length()) : fileName(p);
    }
    while (rel.startsWith("/")) {
      rel = rel.substring(1);
    }
    return rel.replaceAll("\\.[A-Za-z0-9]+$", "");
  }
}
