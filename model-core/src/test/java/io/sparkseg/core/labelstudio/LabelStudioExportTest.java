package io.sparkseg.core.labelstudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelStudioExportTest {
  static final Map<String, Integer> LABELS = Map.of("patch", 1, "tattoo", 2);

  static JsonObject task(Object id, String image, JsonObject... results) {
    JsonObject t = new JsonObject();
    if (id != null) {
      t.addProperty("id", id.toString());
    }
    JsonObject data = new JsonObject();
    data.addProperty("image", image);
    t.add("data", data);
    JsonArray anns = new JsonArray();
    JsonObject ann = new JsonObject();
    JsonArray res = new JsonArray();
    for (JsonObject r : results) {
      res.add(r);
    }
    ann.add("result", res);
    anns.add(ann);
    t.add("annotations", anns);
    return t;
  }

  static JsonObject brush(String label, BinaryMask m) {
    JsonObject r = result("brushlabels", label, m.height(), m.width());
    int[] values = BrushRleWriter.rgba(m, 255, 0, 0);
    JsonArray rle = new JsonArray();
    for (int b : BrushRleWriter.encode(values, values.length)) {
      rle.add(b);
    }
    r.getAsJsonObject("value").addProperty("format", "rle");
    r.getAsJsonObject("value").add("rle", rle);
    return r;
  }

  static JsonObject polygon(String label, int h, int w, double[][] pointsPercent) {
    JsonObject r = result("polygonlabels", label, h, w);
    JsonArray pts = new JsonArray();
    for (double[] p : pointsPercent) {
      JsonArray a = new JsonArray();
      a.add(p[0]);
      a.add(p[1]);
      pts.add(a);
    }
    r.getAsJsonObject("value").add("points", pts);
    return r;
  }

  static JsonObject result(String type, String label, int h, int w) {
    JsonObject r = new JsonObject();
    r.addProperty("type", type);
    r.addProperty("original_width", w);
    r.addProperty("original_height", h);
    r.addProperty("from_name", "tag");
    r.addProperty("to_name", "image");
    JsonObject value = new JsonObject();
    JsonArray labels = new JsonArray();
    labels.add(label);
    value.add(type, labels);
    r.add("value", value);
    return r;
  }

  private static LabelStudioExport.Task parse(JsonObject t) {
    return LabelStudioExport.parseTask(new LabelStudioExport.RawTask(0, t.toString()), LABELS);
  }

  @Test
  void brushAndPolygonResultsOfOneLabelAreUnited() {
    BinaryMask brushed = BrushRleTest.randomMask(40, 60, 4);
    JsonObject t = task(17, "/data/upload/3/8f2a1b3c-photo_01.jpg", brush("patch", brushed),
        polygon("patch", 40, 60, new double[][] {{0, 0}, {10, 0}, {10, 10}, {0, 10}}),
        polygon("tattoo", 40, 60, new double[][] {{50, 50}, {90, 50}, {90, 90}}));
    LabelStudioExport.Task parsed = parse(t);
    assertEquals("17", parsed.id());
    assertEquals(40, parsed.height());
    assertEquals(60, parsed.width());
    BinaryMask patch = parsed.masks().get(1);
    BinaryMask square = Polygons.fromPercent(new double[][] {{0, 0}, {10, 0}, {10, 10}, {0, 10}},
        40, 60);
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 60; x++) {
        assertEquals(brushed.get(y, x) || square.get(y, x), patch.get(y, x), y + "," + x);
      }
    }
    assertTrue(parsed.masks().get(2).count() > 0);
    assertEquals(List.of("8f2a1b3c-photo_01.jpg", "photo_01.jpg"), parsed.imageCandidates());
  }

  @Test
  void imageReferencesResolveToCandidatePaths() {
    assertEquals(List.of("people/a b.jpg", "a b.jpg"), LabelStudioExport.Task.imageCandidates(
        "/data/local-files/?d=people/a%20b.jpg"));
    assertEquals(List.of("x.png"), LabelStudioExport.Task.imageCandidates("x.png"));
    assertEquals(List.of("photos/x.png", "x.png"),
        LabelStudioExport.Task.imageCandidates("s3://bucket/photos/x.png"));
    assertEquals(List.of("sub/x.png", "x.png"),
        LabelStudioExport.Task.imageCandidates("sub/x.png"));
  }

  @Test
  void aTaskWithoutResultsHasNoMasksAndCancelledAnnotationsAreSkipped() {
    JsonObject t = task(1, "a.jpg");
    LabelStudioExport.Task none = parse(t);
    assertTrue(none.masks().isEmpty());
    assertEquals(-1, none.height());

    JsonObject withCancelled = task(2, "b.jpg", polygon("patch", 10, 10,
        new double[][] {{0, 0}, {50, 0}, {50, 50}}));
    JsonObject cancelled = new JsonObject();
    cancelled.addProperty("was_cancelled", true);
    cancelled.add("result", new JsonArray());
    JsonArray anns = new JsonArray();
    anns.add(cancelled);
    anns.add(withCancelled.getAsJsonArray("annotations").get(0));
    withCancelled.add("annotations", anns);
    assertNotNull(parse(withCancelled).masks().get(1));
  }

  @Test
  void everyBadTaskHasItsReasonAndNamesTheTask() {
    BinaryMask m = BrushRleTest.randomMask(10, 10, 1);
    assertReason(QuarantineReason.UNKNOWN_RESULT_TYPE,
        task(5, "a.jpg", result("rectanglelabels", "patch", 10, 10)), "task 5");
    assertReason(QuarantineReason.UNKNOWN_LABEL, task(6, "a.jpg", brush("mole", m)), "'mole'");
    assertReason(QuarantineReason.POLYGON_TOO_FEW_POINTS,
        task(7, "a.jpg", polygon("patch", 10, 10, new double[][] {{1, 1}, {2, 2}})), "task 7");
    JsonObject wrongSize = brush("patch", m);
    wrongSize.addProperty("original_width", 11);
    assertReason(QuarantineReason.BRUSH_SIZE_MISMATCH, task(8, "a.jpg", wrongSize), "task 8");
    JsonObject cut = brush("patch", m);
    JsonArray rle = cut.getAsJsonObject("value").getAsJsonArray("rle");
    while (rle.size() > 4) {
      rle.remove(rle.size() - 1);
    }
    assertReason(QuarantineReason.BRUSH_TRUNCATED, task(9, "a.jpg", cut), "task 9");
    JsonObject noImage = task(10, "a.jpg");
    noImage.remove("data");
    assertReason(QuarantineReason.MALFORMED_ANNOTATION, noImage, "data.image");
    JsonObject noSize = polygon("patch", 10, 10, new double[][] {{1, 1}, {2, 2}, {3, 1}});
    noSize.remove("original_height");
    assertReason(QuarantineReason.MALFORMED_ANNOTATION, task(null, "a.jpg", noSize),
        "task #0");
    LabelStudioException e = assertThrows(LabelStudioException.class,
        () -> LabelStudioExport.parseTask(new LabelStudioExport.RawTask(3, "[1, 2]"), LABELS));
    assertEquals(QuarantineReason.MALFORMED_ANNOTATION, e.reason());
  }

  private static void assertReason(QuarantineReason reason, JsonObject task, String mentions) {
    LabelStudioException e = assertThrows(LabelStudioException.class, () -> parse(task));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void splitStreamsTasksAndStopsAtASyntaxError() throws Exception {
    String good = "[" + task(1, "a.jpg") + "," + task(2, "b.jpg") + "]";
    List<LabelStudioExport.RawTask> tasks = new ArrayList<>();
    assertNull(LabelStudioExport.split(new StringReader(good), tasks::add));
    assertEquals(2, tasks.size());
    assertEquals(1, tasks.get(1).index());

    tasks.clear();
    String broken = "[" + task(1, "a.jpg") + ", {\"id\": 2, \"data\": {\"image\": ";
    String error = LabelStudioExport.split(new StringReader(broken), tasks::add);
    assertEquals(1, tasks.size(), "the task before the error is delivered");
    assertTrue(error.contains("task 1"), error);

    tasks.clear();
    assertTrue(LabelStudioExport.split(new StringReader("{\"a\": 1}"), tasks::add)
        .contains("not a JSON list"));
    assertTrue(tasks.isEmpty());
  }
}
