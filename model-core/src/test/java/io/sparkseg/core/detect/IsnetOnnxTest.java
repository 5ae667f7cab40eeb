package io.sparkseg.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.sparkseg.core.geometry.Resize;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The ONNX path (DJL's ONNX Runtime engine, as YoloSegModel loads exports) on real photographs
 * with a real segmentation network: ISNet "small", fetched and joined into
 * ~/.cache/sparkseg/isnet-small.onnx by model-core/src/test/scripts/fetch-isnet.sh (AGPL: never
 * bundled). On astronaut.png the person is foreground and the studio backdrop is not.
 */
class IsnetOnnxTest {
  static final int SIZE = 1024;

  @Test
  void segmentsThePersonInARealPhoto() throws Exception {
    Path model = Path.of(System.getenv().getOrDefault("SPARKSEG_ISNET",
        System.getProperty("user.home") + "/.cache/sparkseg/isnet-small.onnx"));
    assumeTrue(Files.isRegularFile(model), "skipped: " + model + " is absent (run "
        + "model-core/src/test/scripts/fetch-isnet.sh; .ci/run does)");
    Image8 photo = Resize.toRgb(ImageCodec.decode(Files.readAllBytes(
        Fixtures.require("people/astronaut.png"))));
    Image8 in = Resize.bilinear(photo, SIZE, SIZE);
    float[] chw = new float[3 * SIZE * SIZE];
    int plane = SIZE * SIZE;
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        chw[c * plane + p] = (in.data()[p * 3 + c] & 0xFF) / 255f - 0.5f;
      }
    }
    Engines.ensureOffline();
    Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
        .optEngine("OnnxRuntime").optModelPath(model).optTranslator(new NoopTranslator())
        .build();
    float[] mask;
    try (ZooModel<NDList, NDList> m = criteria.loadModel();
        Predictor<NDList, NDList> predictor = m.newPredictor()) {
      NDArray x = m.getNDManager().create(chw, new Shape(1, 3, SIZE, SIZE));
      NDList out = predictor.predict(new NDList(x));
      NDArray first = out.get(0);
      assertEquals(new Shape(1, 1, SIZE, SIZE), first.getShape());
      mask = first.toFloatArray();
    }
    double person = mean(mask, 0.40, 0.60, 0.25, 0.95); // face, suit
    double backdrop = mean(mask, 0.0, 0.12, 0.0, 0.12); // top-left corner
    System.out.printf("ISNet on astronaut.png: person region %.3f, corner %.3f%n", person,
        backdrop);
    assertTrue(person > 0.7, "person region " + person);
    assertTrue(backdrop < 0.3, "backdrop " + backdrop);
  }

  private static double mean(float[] m, double x0, double x1, double y0, double y1) {
    double s = 0;
    int n = 0;
    for (int y = (int) (y0 * SIZE); y < (int) (y1 * SIZE); y++) {
      for (int x = (int) (x0 * SIZE); x < (int) (x1 * SIZE); x++) {
        s += m[y * SIZE + x];
        n++;
      }
    }
    return s / n;
  }
}
