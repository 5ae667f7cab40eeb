package io.sparkseg.jobs.predict;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.core.image.ContentHash;
import io.sparkseg.core.infer.ClassRule;
import io.sparkseg.core.infer.PostProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Everything that decides what {@code predict} writes for an image besides the image itself:
 * the model files (path, size, modification time: a re-trained or replaced model is another
 * model), the post-processing rules per class, flip TTA, the tile geometry, and for person
 * photos the scan thresholds, detector and ROI; for class maps the labels' encoding and the
 * resize mode instead of thresholds. Each predictions row records the
 * {@link #id() id} (a hash) and the readable {@link #settings() settings}; an image counts as
 * scored only when its content hash and scoring id both match, so re-tuning, a new threshold or
 * another model re-scores it, and the report names what changed.
 *
 * @param settings name = value, in a fixed order
 */
public record ScoringIdentity(String id, Map<String, String> settings) {

  /** The identity of a predict run of {@code models} with {@code post}. */
  static ScoringIdentity of(SparksegConfig cfg, PredictJob.Models models, PostProcessor post,
      Configuration hadoop) {
    Map<String, String> s = new LinkedHashMap<>();
    List<String> files = new ArrayList<>();
    for (String f : models.files()) {
      Path p = new Path(f);
      try {
        FileStatus st = p.getFileSystem(hadoop).getFileStatus(p);
        files.add(f + " (" + st.getLen() + " bytes, "
            + Instant.ofEpochMilli(st.getModificationTime()) + ")");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the model file " + f + ": "
            + e.getMessage(), e);
      }
    }
    s.put("models", String.join(", ", files));
    StringBuilder rules = new StringBuilder();
    for (int c = 0; c < post.classes(); c++) {
      ClassRule r = post.rules().get(c);
      // the max area only when set: identities of runs without one stay as they were
      rules.append(String.format(Locale.ROOT, "%s%d=(threshold %s, min area %d%s, gate %s)",
          c == 0 ? "" : " ", c + 1, r.threshold(), r.minArea(),
          r.maxArea() == 0 ? "" : ", max area " + r.maxArea(), r.minMaxProbability()));
    }
    if (cfg.dataset().multiClass()) {
      // class maps: the argmax, encoded by the labels' palette or indices, fitted by resize
      s.put("class-maps", "argmax, " + (cfg.multiClass().decoder().palette() != null
          ? "palette " + cfg.multiClass().decoder().palette().names() + " "
              + java.util.Arrays.toString(cfg.multiClass().decoder().palette().colours())
          : "indices, ignore " + cfg.multiClass().decoder().ignoreValue()));
      s.put("resize", String.valueOf(cfg.data().resize()));
    } else {
      s.put("post-processing", rules.toString());
    }
    List<Integer> foldMax = models.foldMaxClasses(cfg);
    if (!foldMax.isEmpty()) {
      // only when it applies (folds to combine): identities of predictions scored before the
      // setting existed, or with one model or an ONNX file, stay
      s.put("fold-max-classes", foldMax.toString());
    }
    s.put("flip-tta", String.valueOf(cfg.predict().flipTta()));
    s.put("tiles", cfg.tileGeometry().toString());
    if (cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS) {
      SparksegConfig.Photos ph = cfg.photos();
      s.put("scan-thresholds", ph.scanThresholds().toString());
      s.put("detector", ph.detector().settingsKey(ph.roi(), ph.fallback()));
    }
    return new ScoringIdentity(hash(s), s);
  }

  static String hash(Map<String, String> settings) {
    return ContentHash.sha256(serialize(settings).getBytes(StandardCharsets.UTF_8))
        .substring(0, 16);
  }

  /** One line per setting: what the predictions table's {@code scoring_settings} holds. */
  public String serialized() {
    return serialize(settings);
  }

  private static String serialize(Map<String, String> settings) {
    StringBuilder sb = new StringBuilder();
    settings.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
    return sb.toString();
  }

  /** Parses {@link #serialized()}; null or blank (rows scored before it was recorded): empty. */
  static Map<String, String> parse(String serialized) {
    Map<String, String> m = new LinkedHashMap<>();
    if (serialized == null) {
      return m;
    }
    for (String line : serialized.split("\n")) {
      int eq = line.indexOf(" = ");
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 3));
      }
    }
    return m;
  }

  /**
   * What differs between rows scored with {@code previous} (serialized settings) and this
   * identity, e.g. {@code post-processing: 1=(threshold 0.5, ...) -> 1=(threshold 0.4, ...)}.
   */
  public String changesFrom(String previous) {
    Map<String, String> before = parse(previous);
    if (before.isEmpty()) {
      return "scored before sparkseg recorded its settings";
    }
    List<String> changes = new ArrayList<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String was = before.get(e.getKey());
      if (!e.getValue().equals(was)) {
        changes.add(e.getKey() + ": " + (was == null ? "(none)" : was) + " -> " + e.getValue());
      }
    }
    for (String k : before.keySet()) {
      if (!settings.containsKey(k)) {
        changes.add(k + ": " + before.get(k) + " -> (none)");
      }
    }
    return changes.isEmpty() ? "same settings" : String.join("; ", changes);
  }
}
