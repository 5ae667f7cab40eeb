package io.sparkseg.core.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.scene.ClassMap;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A COCO instances file written by hand: polygons, both RLE forms, crowd, and bad annotations. */
class CocoDatasetTest {
  private static final String JSON = """
      {"images": [
         {"id": 1, "file_name": "a.jpg", "height": 4, "width": 6},
         {"id": 2, "file_name": "b.jpg", "height": 4, "width": 6},
         {"id": 3, "file_name": "c.jpg", "height": 4, "width": 6},
         {"id": 4, "file_name": "d.jpg", "height": 4, "width": 6}],
       "categories": [{"id": 1, "name": "road"}, {"id": 2, "name": "car"},
         {"id": 3, "name": "person"}],
       "annotations": [
         {"id": 10, "image_id": 1, "category_id": 1, "iscrowd": 0,
          "segmentation": [[0, 2, 6, 2, 6, 4, 0, 4]]},
         {"id": 11, "image_id": 1, "category_id": 2, "iscrowd": 0,
          "segmentation": {"counts": [0, 2, 22], "size": [4, 6]}},
         {"id": 12, "image_id": 1, "category_id": 2, "iscrowd": 1,
          "segmentation": {"counts": "d022", "size": [4, 6]}},
         {"id": 20, "image_id": 2, "category_id": 1, "segmentation": [[0, 0, 7, 0, 7, 2]]},
         {"id": 30, "image_id": 3, "category_id": 3, "segmentation": [[0, 0, 2, 0, 2, 2]]},
         {"id": 40, "image_id": 4, "category_id": 2,
          "segmentation": {"counts": [0, 24], "size": [6, 4]}},
         {"id": 50, "image_id": 9, "category_id": 2, "segmentation": [[0, 0, 2, 0, 2, 2]]}]}
      """;
  private static final Map<String, Integer> CLASSES = Map.of("background", 0, "road", 1,
      "car", 2);

  @Test
  void paintsPolygonsAndBothRleFormsWithCrowdIgnored() {
    CocoDataset d = CocoDataset.read(new StringReader(JSON), "instances_val.json");
    assertEquals(4, d.images().size());
    List<CocoDataset.Problem> problems = new ArrayList<>();
    ClassMap m = d.classMap(d.images().get(0), CLASSES, true, problems);
    assertTrue(problems.isEmpty(), problems.toString());
    // rows 2-3 road (polygon), column 0 rows 0-1 car (uncompressed RLE), column 5 rows 0-1
    // crowd car (compressed "d022" = counts 20, 2, 2) ignored, the rest background
    String[] expected = {"2....x", "2....x", "111111", "111111"};
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 6; c++) {
        char e = expected[r].charAt(c);
        int want = e == '.' ? 0 : e == 'x' ? ClassMap.IGNORE : e - '0';
        assertEquals(want, m.get(r, c), "row " + r + " col " + c);
      }
    }
    // crowd kept as its class when asked
    ClassMap kept = d.classMap(d.images().get(0), CLASSES, false, problems);
    assertEquals(2, kept.get(0, 5));
    assertEquals(1, d.orphanAnnotations().size(), "annotation 50 names no image");
  }

  @Test
  void badAnnotationsAreProblemsNamingFileAndAnnotation() {
    CocoDataset d = CocoDataset.read(new StringReader(JSON), "instances_val.json");
    List<CocoDataset.Problem> problems = new ArrayList<>();
    assertNull(d.classMap(d.images().get(1), CLASSES, true, problems));
    assertNull(d.classMap(d.images().get(2), CLASSES, true, problems));
    assertNull(d.classMap(d.images().get(3), CLASSES, true, problems));
    assertEquals(3, problems.size(), problems.toString());
    assertEquals("bad-annotation", problems.get(0).reason());
    assertTrue(problems.get(0).detail().contains("annotation 20 of image b.jpg")
        && problems.get(0).detail().contains("outside the 6x4 image"), problems.get(0).detail());
    assertEquals("unknown-category", problems.get(1).reason());
    assertTrue(problems.get(1).detail().contains("'person'"), problems.get(1).detail());
    assertTrue(problems.get(2).detail().contains("annotation 40 of image d.jpg: RLE size [6,4]"),
        problems.get(2).detail());
  }

  @Test
  void aFileThatIsNotCocoIsRefusedNamingIt() {
    var e = assertThrows(CocoDataset.CocoException.class,
        () -> CocoDataset.read(new StringReader("{\"images\": 3}"), "x.json"));
    assertTrue(e.getMessage().startsWith("x.json: not a COCO instances file"), e.getMessage());
    e = assertThrows(CocoDataset.CocoException.class,
        () -> CocoDataset.read(new StringReader("{\"images\": [{\"id\": 1"), "y.json"));
    assertTrue(e.getMessage().startsWith("y.json: not a COCO"), e.getMessage());
  }

  @Test
  void oneImagesJsonPaintsTheSameAndTheSampleReaderUsesIt() throws Exception {
    CocoDataset d = CocoDataset.read(new StringReader(JSON), "instances_val.json");
    CocoDataset.Image a = d.images().get(0);
    String one = d.toJson(a);
    CocoDataset small = CocoDataset.read(new StringReader(one), "instances_val.json");
    assertEquals(List.of(a), small.images());
    assertEquals(d.categories(), small.categories());
    List<CocoDataset.Problem> problems = new ArrayList<>();
    ClassMap whole = d.classMap(a, CLASSES, true, problems);
    assertEquals(whole, small.classMap(small.images().get(0), CLASSES, true, problems));

    io.sparkseg.core.scene.SampleReader reader = new io.sparkseg.core.scene.SampleReader(null,
        null, 4, 6);
    byte[] jpeg = io.sparkseg.core.image.ImageCodec.encodePng(
        new io.sparkseg.core.image.Image8(4, 6, 3, new byte[72]));
    io.sparkseg.core.scene.Sample s = reader.readCoco(jpeg, "images/a.jpg", one,
        "instances_val.json", CLASSES, true);
    assertEquals(whole, s.classMap());
    assertEquals(List.of(10L, 11L, 12L), s.instances().stream()
        .map(io.sparkseg.core.scene.Sample.Instance::annotationId).toList());
    assertEquals(3, s.instances().get(1).classId(), "car is index 2: class id 3 (1-based)");
    assertTrue(s.instances().get(2).crowd());
    assertEquals("1 2", s.instances().get(1).rle(), "column 0, rows 0-1");
    var unknown = assertThrows(io.sparkseg.core.scene.LabelDecoder.LabelException.class,
        () -> reader.readCoco(jpeg, "images/c.jpg", d.toJson(d.images().get(2)),
            "instances_val.json", CLASSES, true));
    assertEquals(io.sparkseg.core.quality.QuarantineReason.UNKNOWN_CATEGORY, unknown.reason());
    var size = assertThrows(io.sparkseg.core.scene.LabelDecoder.LabelException.class,
        () -> reader.readCoco(io.sparkseg.core.image.ImageCodec.encodePng(
            new io.sparkseg.core.image.Image8(5, 6, 3, new byte[90])), "images/a.jpg", one,
            "instances_val.json", CLASSES, true));
    assertEquals(io.sparkseg.core.quality.QuarantineReason.LABEL_SIZE_MISMATCH, size.reason());
  }
}
