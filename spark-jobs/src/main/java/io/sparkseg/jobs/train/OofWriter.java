package io.sparkseg.jobs.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Out-of-fold probabilities written by a training task (no SparkSession there) as a Parquet
 * file: one row per (tile, class) with the probability map quantized to 8 bits and deflated.
 * The driver loads these files into the {@code oof} table.
 */
public final class OofWriter implements AutoCloseable {
  static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message oof {"
      + " required binary tile_id (STRING); required int32 fold; required int32 class_id;"
      + " required int32 height; required int32 width; required binary probabilities; }");
  private final ParquetWriter<org.apache.parquet.example.data.Group> writer;
  private final SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
  private final int fold;

  OofWriter(String file, Configuration conf, int fold) throws IOException {
    this.fold = fold;
    this.writer = ExampleParquetWriter.builder(new Path(file)).withConf(conf).withType(SCHEMA)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build();
  }

  /** Writes the planes of one tile ({@code probabilities[class][pixel]}). */
  void write(String tileId, int height, int width, float[][] probabilities) throws IOException {
    for (int c = 0; c < probabilities.length; c++) {
      writer.write(groups.newGroup().append("tile_id", tileId).append("fold", fold)
          .append("class_id", c + 1).append("height", height).append("width", width)
          .append("probabilities", Binary.fromConstantByteArray(encode(probabilities[c]))));
    }
  }

  /** Probabilities to 8-bit levels (p·255, rounded), deflated. */
  public static byte[] encode(float[] p) {
    byte[] q = new byte[p.length];
    for (int i = 0; i < p.length; i++) {
      q[i] = (byte) Math.round(Math.max(0f, Math.min(1f, p[i])) * 255f);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(1))) {
      d.write(q);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** The inverse of {@link #encode}: probabilities within 1/510 of the originals. */
  public static float[] decode(byte[] encoded, int pixels) {
    try (InflaterInputStream in = new InflaterInputStream(new java.io.ByteArrayInputStream(
        encoded))) {
      byte[] q = in.readNBytes(pixels);
      float[] p = new float[pixels];
      for (int i = 0; i < pixels; i++) {
        p[i] = (q[i] & 0xFF) / 255f;
      }
      return p;
    } catch (IOException e) {
      throw new IllegalArgumentException("not an encoded probability map", e);
    }
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
