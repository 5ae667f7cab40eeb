package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {
  @Test
  void writeThenReadRoundTrips() throws Exception {
    Map<String, SafeTensors.FloatTensor> t = new LinkedHashMap<>();
    t.put("a.weight", new SafeTensors.FloatTensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    t.put("b", new SafeTensors.FloatTensor(new long[] {1}, new float[] {-0.5f}));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafeTensors.write(out, t, Map.of("format", "pt"));
    SafeTensors back = SafeTensors.read(new ByteArrayInputStream(out.toByteArray()), "mem");
    assertEquals(Map.of("format", "pt"), back.metadata());
    assertArrayEquals(new long[] {2, 3}, back.entries().get("a.weight").shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.floats("a.weight"));
    assertArrayEquals(new float[] {-0.5f}, back.floats("b"));
  }

  @Test
  void halfPrecisionValues() {
    assertEquals(1f, SafeTensors.halfToFloat((short) 0x3C00));
    assertEquals(-2f, SafeTensors.halfToFloat((short) 0xC000));
    assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7BFF));
    assertEquals((float) Math.pow(2, -24), SafeTensors.halfToFloat((short) 0x0001));
    assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat((short) 0x7C00));
    assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7E00)));
    assertEquals(0x80000000, Float.floatToRawIntBits(SafeTensors.halfToFloat((short) 0x8000)));
  }

  @Test
  void halfAndBfloatTensorsReadAsFloat() throws Exception {
    String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}}";
    ByteBuffer buf = ByteBuffer.allocate(8 + json.length() + 6).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(json.length()).put(json.getBytes(StandardCharsets.UTF_8));
    buf.putShort((short) 0x3C00).putShort((short) 0x3800).putShort((short) 0x4040); // 1, .5, 3
    SafeTensors st = SafeTensors.read(new ByteArrayInputStream(buf.array()), "mem");
    assertArrayEquals(new float[] {1f, 0.5f}, st.floats("h"));
    assertArrayEquals(new float[] {3f}, st.floats("b"));
  }

  @Test
  void brokenFilesNameTheSource() {
    IOException tiny = assertThrows(IOException.class,
        () -> SafeTensors.read(new ByteArrayInputStream(new byte[3]), "x.safetensors"));
    assertTrue(tiny.getMessage().startsWith("x.safetensors: not a safetensors file"));
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}";
    ByteBuffer buf = ByteBuffer.allocate(8 + json.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(json.length()).put(json.getBytes(StandardCharsets.UTF_8));
    IOException range = assertThrows(IOException.class,
        () -> SafeTensors.read(new ByteArrayInputStream(buf.array()), "y.safetensors"));
    assertTrue(range.getMessage().contains("tensor 'w' has byte range [0, 8] but F32[4] needs 16"),
        range.getMessage());
  }
}
