package io.sparkseg.jobs.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.sparkseg.core.card.RunCard;
import io.sparkseg.core.report.RunReport;
import io.sparkseg.jobs.io.OutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes {@code runs/<id>/report.html} from what the run folder holds: the model card, curves.svg,
 * and under {@code report/} the last predict's figures ({@code predict.json}), its gallery
 * ({@code gallery.json} + PNGs) and, for class maps, the confusion matrix. train, tune and predict
 * call it when they change the run; {@code sparkseg report --run-id R} rebuilds it.
 */
public final class ReportWriter {
  public static final String HTML = "report.html";
  static final String DIR = "report";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
  private static final Map<String, String> HEADINGS = Map.of("worst", "Worst test images by "
      + "Dice", "best", "Best test images by Dice", "sample", "A sample of the last predict's "
      + "overlays");

  /** What predict leaves for the report: its summary and, for class maps, the matrix. */
  public record PredictRecord(RunReport.PredictSummary summary, List<String> confusionClasses,
      long[][] confusion) {}

  /** One gallery picture on disk: group is worst, best or sample. */
  public record GalleryEntry(String group, String caption, String file) {}

  /** The gallery's pictures and legend. */
  public record GalleryRecord(List<GalleryEntry> pictures, List<String> legendNames,
      List<int[]> legendColours) {}

  private ReportWriter() {}

  /** Rebuilds the report; returns its path, or null when the run has no model card yet. */
  public static String write(String runDir, Configuration conf) {
    try {
      RunCard card = readCard(runDir, conf);
      if (card == null) {
        return null;
      }
      String svg = readText(new Path(runDir, "curves.svg"), conf);
      String predictJson = readText(new Path(runDir, DIR + "/predict.json"), conf);
      PredictRecord predict = predictJson == null ? null
          : GSON.fromJson(predictJson, PredictRecord.class);
      String galleryJson = readText(new Path(runDir, DIR + "/gallery.json"), conf);
      Map<String, List<RunReport.Picture>> gallery = new java.util.LinkedHashMap<>();
      RunReport.Legend legend = null;
      if (galleryJson != null) {
        GalleryRecord g = GSON.fromJson(galleryJson, GalleryRecord.class);
        for (GalleryEntry e : g.pictures()) {
          byte[] png = readBytes(new Path(runDir, DIR + "/" + e.file()), conf);
          if (png != null) {
            gallery.computeIfAbsent(HEADINGS.getOrDefault(e.group(), e.group()),
                k -> new ArrayList<>()).add(new RunReport.Picture(e.caption(), png));
          }
        }
        if (g.legendNames() != null && !g.legendNames().isEmpty()) {
          legend = new RunReport.Legend(g.legendNames(), g.legendColours());
        }
      }
      RunReport.Confusion confusion = predict == null || predict.confusion() == null ? null
          : new RunReport.Confusion(predict.confusionClasses(), predict.confusion());
      String html = RunReport.html(card, svg, predict == null ? null : predict.summary(), gallery,
          legend, confusion);
      Path out = new Path(runDir, HTML);
      writeBytes(out, html.getBytes(StandardCharsets.UTF_8), conf);
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report of " + runDir + ": "
          + e.getMessage(), e);
    }
  }

  /** Saves predict's figures for the report (replacing the previous predict's). */
  public static void savePredict(String runDir, PredictRecord record, Configuration conf) {
    try {
      writeBytes(new Path(runDir, DIR + "/predict.json"),
          GSON.toJson(record).getBytes(StandardCharsets.UTF_8), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + runDir + "/" + DIR + "/predict.json: "
          + e.getMessage(), e);
    }
  }

  /**
   * Saves a gallery: {@code pngs} by group (worst, best, sample) with captions, and the legend;
   * replaces the previous one.
   */
  public static void saveGallery(String runDir, Map<String, List<RunReport.Picture>> pngs,
      RunReport.Legend legend, Configuration conf) {
    try {
      List<GalleryEntry> entries = new ArrayList<>();
      for (var e : pngs.entrySet()) {
        int i = 1;
        for (RunReport.Picture p : e.getValue()) {
          String file = "gallery-" + e.getKey() + "-" + i++ + ".png";
          writeBytes(new Path(runDir, DIR + "/" + file), p.png(), conf);
          entries.add(new GalleryEntry(e.getKey(), p.caption(), file));
        }
      }
      GalleryRecord g = new GalleryRecord(entries, legend == null ? List.of() : legend.names(),
          legend == null ? List.of() : legend.colours());
      writeBytes(new Path(runDir, DIR + "/gallery.json"),
          GSON.toJson(g).getBytes(StandardCharsets.UTF_8), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the gallery of " + runDir + ": "
          + e.getMessage(), e);
    }
  }

  private static RunCard readCard(String runDir, Configuration conf) throws IOException {
    Path p = new Path(runDir, RunCard.JSON);
    String json = readText(p, conf);
    return json == null ? null : RunCard.fromJson(json, p.toString());
  }

  private static String readText(Path p, Configuration conf) throws IOException {
    byte[] b = readBytes(p, conf);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return null;
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  private static void writeBytes(Path p, byte[] bytes, Configuration conf) throws IOException {
    try (OutputStream o = OutputFiles.create(p, conf)) {
      o.write(bytes);
    }
  }
}
