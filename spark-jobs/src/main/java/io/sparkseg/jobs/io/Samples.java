package io.sparkseg.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;

import io.sparkseg.core.config.SparksegConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The training samples of the configured data family, as {@code folds} and {@code tile} read
 * them: Severstal's {@code images} and {@code masks} tables, the person photos' {@code crops}
 * table (one sample per photo: the crop, its per-class mask RLE in crop coordinates), or the
 * multi-class families' {@code samples} table (same mask columns, plus a sequence). This is
 * the one place that knows where samples live; the jobs after it are the same for every family.
 */
public final class Samples {
  private Samples() {}

  /** image_id, source_path, content_hash, content (encoded image). */
  public static Dataset<Row> images(TableStore store, SparksegConfig cfg) {
    return source(store, cfg).select("image_id", "source_path", "content_hash", "content");
  }

  /** image_id, class_id (1..classes), rle — non-empty masks only. */
  public static Dataset<Row> masks(TableStore store, SparksegConfig cfg) {
    if (cfg.dataset() == SparksegConfig.DatasetKind.SEVERSTAL) {
      return store.read(TableStore.MASKS).select("image_id", "class_id", "rle");
    }
    return source(store, cfg)
        .select(col("image_id"), posexplode(col("mask_rle")).as(new String[] {"pos", "rle"}))
        .filter(col("rle").notEqual(""))
        .select(col("image_id"), col("pos").plus(1).as("class_id"), col("rle"));
  }

  /** The table the samples come from (for messages). */
  public static String table(SparksegConfig cfg) {
    return switch (cfg.dataset()) {
      case SEVERSTAL -> TableStore.IMAGES;
      case PERSON_PHOTOS -> TableStore.CROPS;
      case SCENE, PNG_MASKS, COCO -> TableStore.SAMPLES;
    };
  }

  /**
   * image_id, group: the samples that must share a fold (the frames of one sequence), or null
   * when every sample stands alone (Severstal, person photos: no groups). Samples of the
   * multi-class families outside any sub-folder are their own group.
   */
  public static Dataset<Row> groups(TableStore store, SparksegConfig cfg) {
    if (!cfg.dataset().multiClass()) {
      return null;
    }
    return store.read(TableStore.SAMPLES).select(col("image_id"),
        org.apache.spark.sql.functions.when(col("sequence").equalTo(""), col("image_id"))
            .otherwise(col("sequence")).as("group"));
  }

  private static Dataset<Row> source(TableStore store, SparksegConfig cfg) {
    return store.read(table(cfg));
  }
}
