package io.sparkseg.core.train;

import io.sparkseg.core.folds.StratifiedKFold;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.severstal.TrainCsv;
import io.sparkseg.core.tiling.Tile;
import io.sparkseg.core.tiling.TileGeometry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Training samples straight from a Kaggle-layout folder ({@code train_images/} +
 * {@code train.csv}), without Spark: for local use and tests. Images are tiled with the
 * given geometry and split with the same stratified K-fold as the {@code folds} job. Bad
 * images and rows are not quarantined here (that is the ingest job's work): they fail with
 * the file and line named.
 */
public final class KaggleFolderSource {
  private KaggleFolderSource() {}

  /** The tiles of fold {@code fold} ({@code validation}) or of every other fold (training). */
  public static List<TrainingSample> fold(Path root, int classes, TileGeometry geometry,
      StratifiedKFold kfold, int fold, boolean validation) throws IOException {
    Map<String, BinaryMask[]> masks = readMasks(root.resolve("train.csv"), classes,
        geometry.imageHeight(), geometry.imageWidth());
    Map<String, Path> images = new TreeMap<>();
    try (Stream<Path> s = Files.list(root.resolve("train_images"))) {
      s.filter(Files::isRegularFile).forEach(p -> images.put(p.getFileName().toString(), p));
    }
    Map<String, Integer> strata = new HashMap<>();
    for (String id : images.keySet()) {
      int defects = 0;
      for (BinaryMask m : masks.getOrDefault(id, new BinaryMask[0])) {
        defects += m == null ? 0 : 1;
      }
      strata.put(id, defects);
    }
    Map<String, Integer> folds = kfold.assign(strata);
    List<TrainingSample> out = new ArrayList<>();
    for (Map.Entry<String, Path> e : images.entrySet()) {
      if ((folds.get(e.getKey()) == fold) != validation) {
        continue;
      }
      Image8 img;
      try {
        img = ImageCodec.decode(Files.readAllBytes(e.getValue()));
      } catch (ImageDecodeException ex) {
        throw new IOException(e.getValue() + ": " + ex.getMessage(), ex);
      }
      if (img.height() != geometry.imageHeight() || img.width() != geometry.imageWidth()) {
        throw new IOException(e.getValue() + ": image is " + img.height() + "x" + img.width()
            + ", expected " + geometry.imageHeight() + "x" + geometry.imageWidth());
      }
      if (img.isGrey()) {
        img = img.firstChannel();
      }
      BinaryMask[] m = masks.getOrDefault(e.getKey(), new BinaryMask[classes]);
      for (Tile t : geometry.tiles()) {
        BinaryMask[] tm = new BinaryMask[classes];
        for (int c = 0; c < classes; c++) {
          tm[c] = m[c] == null ? null : m[c].crop(t.y(), t.x(), t.height(), t.width());
        }
        out.add(new TrainingSample(e.getKey() + "_" + t.index(),
            img.crop(t.y(), t.x(), t.height(), t.width()), tm));
      }
    }
    return out;
  }

  private static Map<String, BinaryMask[]> readMasks(Path csv, int classes, int h, int w)
      throws IOException {
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new IOException(csv + " is empty; expected a header line");
    }
    TrainCsv.Layout layout = TrainCsv.detect(lines.get(0));
    Map<String, BinaryMask[]> masks = new HashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      TrainCsv.Row row = TrainCsv.parse(layout, lines.get(i), classes);
      String where = csv + " line " + (i + 1) + ": ";
      switch (row.kind()) {
        case REJECTED -> throw new IOException(where + row.reason().code() + ": " + row.detail());
        case NO_DEFECT -> { }
        case MASK -> {
          try {
            masks.computeIfAbsent(row.imageId(), k -> new BinaryMask[classes])[row.classId() - 1] =
                Rle.decode(row.rle(), h, w);
          } catch (IllegalArgumentException e) {
            throw new IOException(where + e.getMessage(), e);
          }
        }
      }
    }
    return masks;
  }
}
