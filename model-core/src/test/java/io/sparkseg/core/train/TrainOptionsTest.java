package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainOptionsTest {
  @Test
  void equalSettingsPrintEquallyWithTheirWeights() {
    TrainOptions a = TrainOptions.defaults();
    TrainOptions b = TrainOptions.defaults();
    assertEquals(a.toString(), b.toString(), "run summaries compare settings by this text");
    assertTrue(a.toString().startsWith("TrainOptions[epochs="), a.toString());
    assertTrue(a.toString().contains("posWeight=" + java.util.Arrays.toString(a.posWeight())),
        a.toString());
    assertNotEquals(a.toString(), TrainOptions.builder().epochs(a.epochs() + 1).build()
        .toString());
  }
}
