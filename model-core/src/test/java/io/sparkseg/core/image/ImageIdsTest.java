package io.sparkseg.core.image;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ImageIdsTest {
  @Test
  void namesOutputsCanCarryPass() {
    for (String ok : new String[] {"0002cc93b.jpg", "photo 1 (copy).JPG", "été_è.png",
        "_x.jpg", ".x.jpg", "a;b=c.png", "x'y.jpg"}) {
      assertNull(ImageIds.problem(ok), ok);
      assertTrue(!Pattern.compile(ImageIds.FORBIDDEN).matcher(ok).find(), ok);
    }
  }

  @Test
  void namesThatBreakCsvRowsOrPathsFailSayingWhy() {
    String[] bad = {"a,b.jpg", "a\"b.jpg", "a\nb.jpg", "a\rb.jpg", "a:b.jpg", "a\\b.jpg",
        "a/b.jpg", "a\tb.jpg", "a\u007fb.jpg", "", "x".repeat(201) + ".jpg"};
    for (String id : bad) {
      String why = ImageIds.problem(id);
      assertNotNull(why, id);
      if (id.length() > 0 && id.length() < 20) {
        assertTrue(Pattern.compile(ImageIds.FORBIDDEN).matcher(id).find(), id);
      }
    }
    assertTrue(ImageIds.problem("a\rb.jpg").contains("U+000D"), ImageIds.problem("a\rb.jpg"));
    assertTrue(ImageIds.problem("a,b.jpg").contains("','"));
  }

  @Test
  void relativePathIdsAllowFoldersButNoEmptyDotOrBadParts() {
    assertNull(ImageIds.pathProblem("seq01/000123"));
    assertNull(ImageIds.pathProblem("town/day/000123"));
    for (String bad : new String[] {"/abs", "seq//x", "seq/", "../x", "seq/./x", "a,b/c", "",
        "s/" + "x".repeat(200)}) {
      assertNotNull(ImageIds.pathProblem(bad), bad);
    }
    assertNotNull(ImageIds.problem("seq01/000123"), "plain ids still refuse '/'");
  }
}
