package io.sparkseg.core.scene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.quality.QuarantineReason;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Images and labels paired by sequence and name; everything unpaired is named with a reason. */
class SceneLayoutTest {
  private static final List<String> IMAGES = List.of("Images/seq1/000.png",
      "Images/seq1/001.jpg", "Images/seq1/001.png", "Images/seq1/002.png",
      "Images/seq2/000.png", "Images/seq3/000.png");
  private static final List<String> LABELS = List.of("Labels/seq1/000.png",
      "Labels/seq1/001.png", "Labels/seq2/000.png", "Labels/seq2/009.png",
      "Labels/seq3/000.png");

  @Test
  void pairsBySequenceAndNameAndNamesWhatIsLeft() {
    SceneLayout.Pairing p = SceneLayout.pair(IMAGES, LABELS, Set.of(), true);
    assertEquals(List.of("seq1/000", "seq1/001", "seq2/000", "seq3/000"),
        p.frames().stream().map(SceneLayout.Frame::id).toList());
    SceneLayout.Frame f = p.frames().get(1);
    assertEquals("seq1", f.sequence());
    assertEquals("Images/seq1/001.jpg", f.image(), "the first by path of a duplicated frame");
    assertEquals("Labels/seq1/001.png", f.label());
    assertEquals(3, p.unpaired().size(), p.unpaired().toString());
    assertEquals(QuarantineReason.DUPLICATE_FRAME, p.unpaired().get(0).reason());
    assertEquals("Images/seq1/001.png", p.unpaired().get(0).path());
    assertEquals(QuarantineReason.MISSING_LABEL, p.unpaired().get(1).reason());
    assertTrue(p.unpaired().get(1).detail().contains("Images/seq1/002.png has no label "
        + "Labels/seq1/002.png"), p.unpaired().get(1).detail());
    assertEquals(QuarantineReason.ORPHAN_LABEL, p.unpaired().get(2).reason());
    assertEquals("Labels/seq2/009.png", p.unpaired().get(2).path());
    // nothing lost: every file is in a frame or unpaired
    long used = p.frames().stream().mapToLong(x -> x.label() == null ? 1 : 2).sum();
    assertEquals(IMAGES.size() + LABELS.size(), used + p.unpaired().size());
  }

  @Test
  void includeKeepsSequencesAndImagesToPredictNeedNoLabel() {
    SceneLayout.Pairing p = SceneLayout.pair(IMAGES, List.of(), Set.of("seq2", "seq3"), false);
    assertEquals(List.of("seq2/000", "seq3/000"),
        p.frames().stream().map(SceneLayout.Frame::id).toList());
    assertNull(p.frames().get(0).label());
    assertTrue(p.unpaired().isEmpty());
  }
}
