package io.sparkseg.core.nn;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw little-endian data. Reads F32,
 * F16, BF16 and F64 as float; I64/I32 (such as BatchNorm's {@code num_batches_tracked}) are
 * listed but not converted. Writes F32.
 */
public final class SafeTensors {
  /** One tensor's entry in the header. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private static final long MAX_HEADER = 100L << 20;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;
  private final ByteBuffer data;

  private SafeTensors(Map<String, Entry> entries, Map<String, String> metadata, ByteBuffer data) {
    this.entries = entries;
    this.metadata = metadata;
    this.data = data;
  }

  /** Reads a whole safetensors stream; {@code source} names it in error messages. */
  public static SafeTensors read(InputStream in, String source) throws IOException {
    byte[] all = in.readAllBytes();
    if (all.length < 8) {
      throw new IOException(source + ": not a safetensors file (" + all.length + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buf.getLong(0);
    if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > all.length) {
      throw new IOException(source + ": not a safetensors file (header length " + headerLength
          + ", file " + all.length + " bytes)");
    }
    JsonObject header;
    try {
      header = new Gson().fromJson(new String(all, 8, (int) headerLength, StandardCharsets.UTF_8),
          JsonObject.class);
    } catch (JsonParseException e) {
      throw new IOException(source + ": safetensors header is not JSON: " + e.getMessage(), e);
    }
    ByteBuffer body = ByteBuffer.wrap(all, 8 + (int) headerLength, all.length - 8 - (int) headerLength)
        .slice().order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        e.getValue().getAsJsonObject().entrySet()
            .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
        continue;
      }
      JsonObject t = e.getValue().getAsJsonObject();
      long[] shape = new Gson().fromJson(t.get("shape"), long[].class);
      long[] offsets = new Gson().fromJson(t.get("data_offsets"), long[].class);
      Entry entry = new Entry(e.getKey(), t.get("dtype").getAsString(), shape, offsets[0],
          offsets[1]);
      long expected = entry.elements() * bytesPer(entry.dtype());
      if (offsets[0] < 0 || offsets[1] > body.capacity() || offsets[1] - offsets[0] != expected) {
        throw new IOException(source + ": tensor '" + e.getKey() + "' has byte range "
            + Arrays.toString(offsets) + " but " + entry.dtype() + Arrays.toString(shape)
            + " needs " + expected + " bytes of " + body.capacity());
      }
      entries.put(e.getKey(), entry);
    }
    return new SafeTensors(Collections.unmodifiableMap(entries),
        Collections.unmodifiableMap(metadata), body);
  }

  private static int bytesPer(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> throw new IllegalArgumentException("unknown safetensors dtype " + dtype);
    };
  }

  public Map<String, Entry> entries() {
    return entries;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensor's values as float (row-major); F32, F16, BF16 and F64 only. */
  public float[] floats(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no tensor '" + name + "'");
    }
    int n = Math.toIntExact(e.elements());
    float[] out = new float[n];
    int at = (int) e.begin();
    switch (e.dtype()) {
      case "F32" -> {
        for (int i = 0; i < n; i++) {
          out[i] = data.getFloat(at + 4 * i);
        }
      }
      case "F64" -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) data.getDouble(at + 8 * i);
        }
      }
      case "F16" -> {
        for (int i = 0; i < n; i++) {
          out[i] = halfToFloat(data.getShort(at + 2 * i));
        }
      }
      case "BF16" -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((data.getShort(at + 2 * i) & 0xFFFF) << 16);
        }
      }
      default -> throw new IllegalArgumentException("tensor '" + name + "' is " + e.dtype()
          + "; only floating-point tensors can be read as float");
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant / 1024f * (1f / 16384f); // subnormal: mant * 2^-24
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** A float tensor to write. */
  public record FloatTensor(long[] shape, float[] values) {}

  /** Writes F32 tensors (in the map's order) with optional metadata. */
  public static void write(OutputStream out, Map<String, FloatTensor> tensors,
      Map<String, String> metadata) throws IOException {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject m = new JsonObject();
      metadata.forEach(m::addProperty);
      header.add("__metadata__", m);
    }
    long offset = 0;
    for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", "F32");
      t.add("shape", new Gson().toJsonTree(e.getValue().shape()));
      long bytes = 4L * e.getValue().values().length;
      t.add("data_offsets", new Gson().toJsonTree(new long[] {offset, offset + bytes}));
      header.add(e.getKey(), t);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    out.write(head.array());
    for (FloatTensor t : tensors.values()) {
      ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : t.values()) {
        b.putFloat(v);
      }
      out.write(b.array());
    }
  }
}
