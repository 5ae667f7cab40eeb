package io.sparkseg.core.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TuningTest {
  @Test
  void theMaximumAreaSurvivesTheFileAndOlderFilesReadAsNoMaximum() {
    Tuning t = new Tuning("r1", 12, new float[] {0.3f, 0.5f}, new int[] {0, 10},
        new int[] {0, 40}, List.of(
            new ThresholdSearch.Choice(1, new ClassRule(0.3f, 10, 40, 0f), 0.95, 0.93),
            new ThresholdSearch.Choice(2, new ClassRule(0.5f, 0, 0, 0f), 0.99, 0.99)), "t");
    Tuning back = Tuning.fromJson(t.toJson(), "p.json");
    assertEquals(t.classes(), back.classes());
    assertArrayEquals(new int[] {0, 40}, back.maxAreas());
    assertEquals(40, back.postProcessor().rules().get(0).maxArea());

    // written before the maximum area existed: no "maxAreas", no "maxArea" in the rules
    String older = """
        {"runId": "r0", "images": 5, "thresholds": [0.5], "minAreas": [0, 10],
         "classes": [{"classId": 1, "rule": {"threshold": 0.5, "minArea": 10,
           "minMaxProbability": 0.0}, "dice": 0.9, "defaultDice": 0.8}],
         "tunedAt": "t0"}""";
    Tuning old = Tuning.fromJson(older, "old.json");
    assertArrayEquals(new int[] {0}, old.maxAreas());
    assertEquals(new ClassRule(0.5f, 10, 0, 0f), old.postProcessor().rules().get(0));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tuning.fromJson(older.replace("\"minArea\": 10", "\"minArea\": 10, \"maxArea\": -2"),
            "bad.json"));
    assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("maximum area"),
        e.getMessage());
  }
}
