package io.sparkseg.core.labelstudio;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A Label Studio JSON export (a list of tasks: {@code data.image}, {@code annotations[].result[]})
 * turned into masks. {@link #split} streams the export into one JSON text per task (so a large
 * export never sits in memory whole and a task can be decoded anywhere, e.g. on an executor);
 * {@link #parseTask} decodes one task's brush ({@code brushlabels}, format rle) and polygon
 * ({@code polygonlabels}, points in percent) results into one mask per class, the union of the
 * task's results with that class's label. The first annotation that was not cancelled counts;
 * a task with none has no masks (a negative example).
 */
public final class LabelStudioExport {
  private LabelStudioExport() {}

  /** One task's JSON text and its 0-based position in the export. */
  public record RawTask(int index, String json) {}

  /** A decoded task: masks by class id at the annotation's original size. */
  public record Task(int index, String id, String imageRef, int height, int width,
      Map<Integer, BinaryMask> masks) {

    /** Paths, relative to the image root, the image may be found at, most specific first. */
    public List<String> imageCandidates() {
      return imageCandidates(imageRef);
    }

    public static List<String> imageCandidates(String ref) {
      List<String> out = new ArrayList<>();
      String r = ref.trim();
      int q = r.indexOf("?d=");
      if (r.contains("/data/local-files/") && q >= 0) {
        String path = URLDecoder.decode(r.substring(q + 3), StandardCharsets.UTF_8);
        out.add(stripSlashes(path));
      } else if (r.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
        String path = r.replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*/?", "");
        int query = path.indexOf('?');
        out.add(stripSlashes(query >= 0 ? path.substring(0, query) : path));
      } else if (r.startsWith("/data/upload/")) {
        // /data/upload/<project>/<8 hex>-name.jpg: the uploaded file, then its original name
        String name = fileName(r);
        out.add(name);
        String original = name.replaceFirst("^[0-9a-fA-F]{8}-", "");
        if (!original.equals(name)) {
          out.add(original);
        }
      } else {
        out.add(stripSlashes(r));
      }
      String name = fileName(out.get(0));
      if (!out.contains(name)) {
        out.add(name);
      }
      return out;
    }

    private static String fileName(String path) {
      return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String stripSlashes(String path) {
      return path.replaceFirst("^/+", "");
    }
  }

  /**
   * Streams the export's tasks to {@code sink}. Returns null when the whole export was read, or
   * the reason the rest could not be (a syntax error: tasks before it were delivered).
   */
  public static String split(Reader json, Consumer<RawTask> sink) throws IOException {
    JsonReader reader = new JsonReader(json);
    int index = 0;
    try {
      if (reader.peek() != JsonToken.BEGIN_ARRAY) {
        return "the export is not a JSON list of tasks (starts with " + reader.peek() + ")";
      }
      reader.beginArray();
      while (reader.hasNext()) {
        JsonElement task = JsonParser.parseReader(reader);
        sink.accept(new RawTask(index, task.toString()));
        index++;
      }
      reader.endArray();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        return "text after the list of tasks";
      }
      return null;
    } catch (JsonParseException | IllegalStateException | java.io.EOFException e) {
      return "not valid JSON at task " + index + ": " + e.getMessage();
    }
  }

  /**
   * Decodes one task. {@code labels} maps label names to class ids (1..classes).
   *
   * @throws LabelStudioException with the quarantine reason, naming the task
   */
  public static Task parseTask(RawTask raw, Map<String, Integer> labels) {
    JsonObject task;
    try {
      JsonElement e = JsonParser.parseString(raw.json());
      if (!e.isJsonObject()) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, null, "a task must be a JSON "
            + "object");
      }
      task = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, null, "not valid JSON: "
          + e.getMessage());
    }
    String id = task.has("id") && task.get("id").isJsonPrimitive()
        ? task.get("id").getAsString() : null;
    String image = string(task, "data", "image");
    if (image == null || image.isBlank()) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "no data.image");
    }
    JsonArray results = results(task, raw, id);
    int height = -1;
    int width = -1;
    Map<Integer, BinaryMask> masks = new LinkedHashMap<>();
    for (int k = 0; k < results.size(); k++) {
      JsonElement re = results.get(k);
      if (!re.isJsonObject()) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k
            + " is not an object");
      }
      JsonObject r = re.getAsJsonObject();
      String type = r.has("type") ? r.get("type").getAsString() : "";
      if (!type.equals("brushlabels") && !type.equals("polygonlabels")) {
        throw fail(QuarantineReason.UNKNOWN_RESULT_TYPE, raw, id, "result " + k + " has type '"
            + type + "'; only brushlabels and polygonlabels are read");
      }
      int w = integer(r, "original_width", raw, id, k);
      int h = integer(r, "original_height", raw, id, k);
      if (height >= 0 && (h != height || w != width)) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + " is for a "
            + w + "x" + h + " image, an earlier one for " + width + "x" + height);
      }
      height = h;
      width = w;
      JsonObject value = r.has("value") && r.get("value").isJsonObject()
          ? r.getAsJsonObject("value") : null;
      if (value == null) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k
            + " has no value");
      }
      List<Integer> classes = classes(value, type, labels, raw, id, k);
      BinaryMask m;
      try {
        m = type.equals("brushlabels") ? brush(value, h, w, raw, id, k)
            : polygon(value, h, w, raw, id, k);
      } catch (LabelStudioException e) {
        throw fail(e.reason(), raw, id, "result " + k + ": " + e.getMessage());
      }
      for (int c : classes) {
        BinaryMask prev = masks.get(c);
        masks.put(c, prev == null ? m : union(prev, m));
      }
    }
    return new Task(raw.index(), id, image, height, width, masks);
  }

  private static JsonArray results(JsonObject task, RawTask raw, String id) {
    JsonElement anns = task.get("annotations");
    if (anns == null || anns.isJsonNull()) {
      return new JsonArray();
    }
    if (!anns.isJsonArray()) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "annotations is not a list");
    }
    for (JsonElement a : anns.getAsJsonArray()) {
      if (!a.isJsonObject()) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "an annotation is not an "
            + "object");
      }
      JsonObject o = a.getAsJsonObject();
      if (o.has("was_cancelled") && o.get("was_cancelled").isJsonPrimitive()
          && o.get("was_cancelled").getAsBoolean()) {
        continue;
      }
      JsonElement result = o.get("result");
      if (result == null || !result.isJsonArray()) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "annotation without a "
            + "result list");
      }
      return result.getAsJsonArray();
    }
    return new JsonArray();
  }

  private static List<Integer> classes(JsonObject value, String type, Map<String, Integer> labels,
      RawTask raw, String id, int k) {
    JsonElement names = value.get(type);
    if (names == null || !names.isJsonArray() || names.getAsJsonArray().isEmpty()) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + " has no "
          + type + " list");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonElement n : names.getAsJsonArray()) {
      String label = n.getAsString();
      Integer c = labels.get(label);
      if (c == null) {
        throw fail(QuarantineReason.UNKNOWN_LABEL, raw, id, "result " + k + " has label '"
            + label + "'; configured labels: " + labels.keySet());
      }
      out.add(c);
    }
    return out;
  }

  private static BinaryMask brush(JsonObject value, int h, int w, RawTask raw, String id, int k) {
    String format = value.has("format") ? value.get("format").getAsString() : "";
    if (!format.equals("rle") || !value.has("rle") || !value.get("rle").isJsonArray()) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + ": brush "
          + "without format rle and an rle list");
    }
    JsonArray rle = value.getAsJsonArray("rle");
    int[] bytes = new int[rle.size()];
    for (int i = 0; i < bytes.length; i++) {
      int b = rle.get(i).getAsInt();
      if (b < 0 || b > 255) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + ": rle value "
            + b + " at " + i + " is not a byte");
      }
      bytes[i] = b;
    }
    return BrushRle.decode(bytes, h, w);
  }

  private static BinaryMask polygon(JsonObject value, int h, int w, RawTask raw, String id,
      int k) {
    JsonElement pts = value.get("points");
    if (pts == null || !pts.isJsonArray()) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k
          + ": polygon without points");
    }
    JsonArray a = pts.getAsJsonArray();
    double[][] points = new double[a.size()][];
    for (int i = 0; i < points.length; i++) {
      JsonElement p = a.get(i);
      if (!p.isJsonArray() || p.getAsJsonArray().size() != 2) {
        throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + ": point "
            + i + " is not [x, y]");
      }
      points[i] = new double[] {p.getAsJsonArray().get(0).getAsDouble(),
          p.getAsJsonArray().get(1).getAsDouble()};
    }
    return Polygons.fromPercent(points, h, w);
  }

  private static BinaryMask union(BinaryMask a, BinaryMask b) {
    BinaryMask out = a.copy();
    for (int y = 0; y < a.height(); y++) {
      for (int x = 0; x < a.width(); x++) {
        if (b.get(y, x)) {
          out.set(y, x, true);
        }
      }
    }
    return out;
  }

  private static int integer(JsonObject r, String key, RawTask raw, String id, int k) {
    try {
      int v = r.get(key).getAsInt();
      if (v <= 0) {
        throw new NumberFormatException("not positive");
      }
      return v;
    } catch (RuntimeException e) {
      throw fail(QuarantineReason.MALFORMED_ANNOTATION, raw, id, "result " + k + " has no "
          + "positive integer " + key);
    }
  }

  private static String string(JsonObject o, String... path) {
    JsonElement e = o;
    for (String p : path) {
      if (e == null || !e.isJsonObject()) {
        return null;
      }
      e = e.getAsJsonObject().get(p);
    }
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static LabelStudioException fail(QuarantineReason reason, RawTask raw, String id,
      String detail) {
    return new LabelStudioException(reason, "task " + (id == null ? "#" + raw.index() : id)
        + " (position " + raw.index() + " in the export): " + detail);
  }
}
