package io.sparkseg.jobs.ingest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Lines of {@code train.csv} too long to be a row, found by streaming the file once on the
 * driver in constant memory. Spark's line reader is then told to skip them (so a 2 GB line
 * never becomes a String in an executor), they are quarantined with their line number and the
 * first bytes, and the other lines keep their true numbers ({@link #lineIndex}).
 */
final class LongLines {
  /** Raw bytes kept from a long line, for the quarantine row. */
  static final int HEAD_BYTES = 200;

  /** One line longer than the limit: 0-based index, size in bytes, its first bytes. */
  record Line(long index, long bytes, String head) {}

  private LongLines() {}

  /**
   * The longest line a valid row can have for an h×w image: an id, a class, and the most runs
   * an RLE can hold (every other pixel), each as "start length " at full width; at least 1 MiB.
   */
  static long limit(int height, int width) {
    long pixels = (long) height * width;
    long digits = String.valueOf(pixels).length();
    long longest = (pixels + 1) / 2 * 2 * (digits + 1) + 4096;
    return Math.max(1 << 20, Math.min(longest, Integer.MAX_VALUE - 1));
  }

  static List<Line> scan(Configuration conf, String file, long limit) {
    List<Line> out = new ArrayList<>();
    Path p = new Path(file);
    try (InputStream in = new BufferedInputStream(p.getFileSystem(conf).open(p), 1 << 16)) {
      long index = 0;
      long length = 0;
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1) {
        if (b == '\n') {
          if (length > limit) {
            out.add(new Line(index, length, head.toString(StandardCharsets.UTF_8)));
          }
          index++;
          length = 0;
          head.reset();
        } else {
          length++;
          if (head.size() < HEAD_BYTES) {
            head.write(b);
          }
        }
      }
      if (length > limit) {
        out.add(new Line(index, length, head.toString(StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("sparkseg.data.train-csv: cannot read " + file + ": "
          + e.getMessage(), e);
    }
    return out;
  }

  /**
   * The true 0-based line index of the {@code emitted}-th line the reader returned, when the
   * lines at {@code skipped} (sorted) were left out.
   */
  static long lineIndex(long emitted, long[] skipped) {
    long index = emitted;
    for (long s : skipped) {
      if (s <= index) {
        index++;
      } else {
        break;
      }
    }
    return index;
  }
}
