package io.sparkseg.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SegmentationModel;
import io.sparkseg.core.train.Normalization;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Untrained fold models for predict tests, and an independent reader of submissions. */
public final class PredictFixtures {
  private PredictFixtures() {}

  /** Writes {@code folds} randomly initialized small U-Nets as runs/<runId>/fold-k/best.*. */
  public static void writeRun(Path work, String runId, int folds) throws IOException {
    writeRun(work, runId, folds, new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
        new int[] {16, 16, 8, 8, 8}, 4, ModelSpec.Activation.SIGMOID));
  }

  /** As {@link #writeRun(Path, String, int)} with models of the given spec. */
  public static void writeRun(Path work, String runId, int folds, ModelSpec spec)
      throws IOException {
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      for (int f = 0; f < folds; f++) {
        Engines.pytorch().setRandomSeed(100 + f);
        SegmentationModel model = SegmentationModel.build(spec);
        model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
        Path dir = Files.createDirectories(work.resolve("runs").resolve(runId)
            .resolve("fold-" + f));
        try (OutputStream o = Files.newOutputStream(dir.resolve("best.safetensors"))) {
          ModelIo.writeWeights(model, o);
        }
        ModelCard card = new ModelCard(spec, -1, -1, Normalization.IMAGENET.mean(),
            Normalization.IMAGENET.std(), new float[] {0.5f, 0.5f, 0.5f, 0.5f}, "untrained",
            "test", Map.of(), "test", "2026-11-21T00:00:00Z");
        try (OutputStream o = Files.newOutputStream(dir.resolve("best.json"))) {
          ModelIo.writeCard(card, o);
        }
      }
    }
  }

  /**
   * Reads a legacy-layout submission without the project's own parser and checks Kaggle's
   * rules: the exact header, four rows per image in class order, RLE pairs that are positive,
   * sorted, non-overlapping and inside an h×w image. Returns image id → 4 RLE strings.
   */
  static Map<String, List<String>> readSubmission(Path file, int h, int w) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals("ImageId_ClassId,EncodedPixels", lines.get(0));
    assertEquals(1, (lines.size() - 1) % 4 == 0 ? 1 : 0, "rows come in fours: " + lines.size());
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i += 4) {
      String image = null;
      List<String> rles = new ArrayList<>();
      for (int c = 1; c <= 4; c++) {
        String line = lines.get(i + c - 1);
        int comma = line.indexOf(',');
        String key = line.substring(0, comma);
        String id = key.substring(0, key.lastIndexOf('_'));
        assertEquals(String.valueOf(c), key.substring(key.lastIndexOf('_') + 1), line);
        if (image == null) {
          image = id;
        }
        assertEquals(image, id, "four rows of one image in a row");
        String rle = line.substring(comma + 1);
        checkRle(rle, (long) h * w, line);
        rles.add(rle);
      }
      assertTrue(out.put(image, rles) == null, "image " + image + " appears twice");
    }
    return out;
  }

  private static void checkRle(String rle, long pixels, String where) {
    if (rle.isEmpty()) {
      return;
    }
    String[] t = rle.split(" ");
    assertEquals(0, t.length % 2, where);
    long end = 0;
    for (int k = 0; k < t.length; k += 2) {
      long start = Long.parseLong(t[k]);
      long len = Long.parseLong(t[k + 1]);
      assertTrue(start > end && len > 0 && start + len - 1 <= pixels,
          "run " + start + " " + len + " after " + end + " in " + where);
      end = start + len - 1;
    }
  }
}
