package io.sparkseg.core.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.scene.ClassMap;
import io.sparkseg.core.scene.Palette;
import io.sparkseg.core.scene.SceneLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic driving sequences: layout, palette-exact labels, motion, determinism. */
class SceneDemoGeneratorTest {
  private static List<String> files(Path root, String sub) throws Exception {
    try (Stream<Path> s = Files.walk(root.resolve(sub))) {
      return s.filter(Files::isRegularFile).map(p -> sub + "/" + root.resolve(sub).relativize(p)
          .toString().replace('\\', '/')).sorted().toList();
    }
  }

  @Test
  void writesPairedSequencesWhoseLabelsDecodeWithThePalette(@TempDir Path dir) throws Exception {
    SceneDemoGenerator g = new SceneDemoGenerator(2, 1, 3, 96, 160, 5);
    SceneDemoGenerator.Summary s = g.write(dir);
    assertEquals(6, s.trainFrames());
    assertEquals(3, s.testFrames());
    SceneLayout.Pairing train = SceneLayout.pair(files(dir, "Images"), files(dir, "Labels"),
        Set.of(), true);
    assertEquals(6, train.frames().size());
    assertTrue(train.unpaired().isEmpty(), train.unpaired().toString());
    Palette p = Palette.carla();
    for (SceneLayout.Frame f : train.frames()) {
      Image8 img = ImageCodec.decode(Files.readAllBytes(dir.resolve(f.image())));
      ClassMap label = p.decode(ImageCodec.decode(Files.readAllBytes(dir.resolve(f.label()))),
          f.label());
      assertEquals(img.height(), label.height());
      assertEquals(img.width(), label.width());
    }
    // the scene has the driving classes
    for (String name : List.of("road", "sidewalk", "road_line", "car", "building", "pole")) {
      assertTrue(s.pixelsPerClass()[p.classNames().indexOf(name)] > 0, name);
    }
    assertTrue(Files.isRegularFile(dir.resolve("test/Images/seq00/002.png")));
    assertTrue(Files.isRegularFile(dir.resolve("test/Labels/seq00/002.png")));
  }

  @Test
  void carsMoveAcrossFramesAndTheSameSeedGivesTheSameBytes(@TempDir Path dir) throws Exception {
    SceneDemoGenerator g = new SceneDemoGenerator(1, 0, 3, 96, 160, 5);
    int car = Palette.carla().classNames().indexOf("car");
    ClassMap first = g.frame(false, 0, 0).label();
    ClassMap third = g.frame(false, 0, 2).label();
    assertNotEquals(first.mask(car), third.mask(car), "cars drive");
    assertEquals(first.mask(Palette.carla().classNames().indexOf("building")),
        third.mask(Palette.carla().classNames().indexOf("building")), "buildings stay");
    g.write(dir.resolve("a"));
    new SceneDemoGenerator(1, 0, 3, 96, 160, 5).write(dir.resolve("b"));
    for (String f : files(dir.resolve("a"), "Images")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)),
          Files.readAllBytes(dir.resolve("b").resolve(f)), f);
    }
    assertNotEquals(g.frame(false, 0, 0).label(),
        new SceneDemoGenerator(1, 0, 3, 96, 160, 6).frame(false, 0, 0).label(), "seeds differ");
  }
}
