package io.sparkseg.core.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.train.EpochRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TrainingCurvesTest {
  private static EpochRecord epoch(int e, double train, Double val, Double dice) {
    return new EpochRecord(e, 1e-3, train, val, dice == null ? null : Map.of("dice.mean", dice),
        1, 1, 1);
  }

  @Test
  void drawsLossAndDicePerFoldAsValidSvg() throws Exception {
    Map<String, List<EpochRecord>> h = new LinkedHashMap<>();
    h.put("fold 0", List.of(epoch(1, 0.8, 0.6, 0.70), epoch(2, 0.4, 0.5, 0.85),
        epoch(3, 0.2, 0.3, 0.95)));
    h.put("fold <1>", List.of(epoch(1, 0.9, null, null), epoch(2, 0.5, 0.4, 0.9)));
    String svg = TrainingCurves.svg("run r1 & co", h);
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    NodeList lines = doc.getElementsByTagName("polyline");
    // fold 0: train, validation, dice; fold 1 the same (its validation starts at epoch 2)
    assertEquals(6, lines.getLength());
    String[] train0 = ((Element) lines.item(0)).getAttribute("points").split(" ");
    assertEquals(3, train0.length);
    double[] first = xy(train0[0]);
    double[] last = xy(train0[2]);
    assertEquals(TrainingCurves.LEFT, first[0], 0.1); // epoch 1 at the left edge
    assertEquals(TrainingCurves.LEFT + TrainingCurves.PANEL_W, last[0], 0.1);
    assertTrue(last[1] > first[1], "falling loss is drawn going down the page");
    String val1 = ((Element) lines.item(4)).getAttribute("points");
    assertEquals(1, val1.split(" ").length);
    assertTrue(((Element) lines.item(1)).getAttribute("stroke-dasharray").length() > 0);
    assertTrue(svg.contains("fold &lt;1&gt;") && svg.contains("run r1 &amp; co"));
  }

  private static double[] xy(String p) {
    String[] s = p.split(",");
    return new double[] {Double.parseDouble(s[0]), Double.parseDouble(s[1])};
  }
}
