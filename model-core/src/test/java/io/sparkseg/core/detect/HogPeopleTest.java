package io.sparkseg.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.testing.Fixtures;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class HogPeopleTest {

  @Test
  void findsThePlayersInTheRealPhoto() throws Exception {
    Image8 photo = ImageCodec.decode(Files.readAllBytes(Fixtures.require("people/basketball1.png")));
    try (PersonDetector d = HogPeople.defaults().newDetector()) {
      List<Detection> found = d.detect(photo);
      assertTrue(found.size() >= 1, "HOG finds the players in basketball1.png: " + found);
      for (Detection p : found) {
        assertTrue(p.height() > p.width(), "people stand: " + p);
        assertTrue(p.height() > 100, "full-body players are tall in a 640x480 photo: " + p);
        assertEquals(null, p.mask(), "HOG gives boxes only");
      }
      for (int i = 1; i < found.size(); i++) {
        assertTrue(found.get(i - 1).score() >= found.get(i).score(), "best first");
      }
    }
  }

  @Test
  void largePhotosAreShrunkAndBoxesMappedBack() throws Exception {
    Image8 photo = ImageCodec.decode(Files.readAllBytes(Fixtures.require("people/basketball1.png")));
    Image8 doubled = io.sparkseg.core.geometry.Resize.bilinear(photo, 960, 1280);
    try (PersonDetector d = HogPeople.defaults().newDetector()) {
      List<Detection> small = d.detect(photo);
      List<Detection> big = d.detect(doubled);
      assertEquals(small.size(), big.size(), "shrunk back to 640 wide: the same detections");
      for (int i = 0; i < small.size(); i++) {
        assertEquals(small.get(i).x1() * 2, big.get(i).x1(), 6.0);
        assertEquals(small.get(i).y2() * 2, big.get(i).y2(), 6.0);
      }
    }
  }

  @Test
  void aBlankImageHasNobody() {
    try (PersonDetector d = HogPeople.defaults().newDetector()) {
      assertEquals(List.of(), d.detect(new Image8(300, 200, 3, new byte[300 * 200 * 3])));
    }
  }
}
