package io.sparkseg.core.labelstudio;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.image.ImageInfo;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.quality.QuarantineReason;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code labelstudio-masks}: a Label Studio export and its photos to one single-channel PNG per
 * (task image, label) at the photo's size, 0 or 255, named {@code <image stem>_<label>.png}
 * (every configured label, so an unlabelled image gets empty masks). Bad tasks are listed in
 * {@code quarantine.csv} in the output folder; tasks in = tasks written + tasks quarantined.
 */
public final class LabelStudioMasks {
  private LabelStudioMasks() {}

  /** One task set aside. */
  public record Rejected(int index, String taskId, String image, QuarantineReason reason,
      String detail) {}

  /** What a run did. */
  public record Report(int tasksIn, int tasksWritten, int masksWritten, List<Rejected> rejected,
      String exportError) {
    public Map<String, Integer> byReason() {
      Map<String, Integer> m = new TreeMap<>();
      rejected.forEach(r -> m.merge(r.reason().code(), 1, Integer::sum));
      return m;
    }

    public boolean reconciled() {
      return tasksIn == tasksWritten + rejected.size();
    }
  }

  public static Report run(Path export, Path imagesRoot, Path out, Map<String, Integer> labels)
      throws IOException {
    if (!Files.isRegularFile(export)) {
      throw new IllegalArgumentException("--annotations: no file " + export);
    }
    if (!Files.isDirectory(imagesRoot)) {
      throw new IllegalArgumentException("--images: no folder " + imagesRoot);
    }
    Files.createDirectories(out);
    List<LabelStudioExport.RawTask> tasks = new ArrayList<>();
    String exportError;
    try (Reader r = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
      exportError = LabelStudioExport.split(r, tasks::add);
    }
    List<Rejected> rejected = new ArrayList<>();
    int written = 0;
    int masks = 0;
    for (LabelStudioExport.RawTask raw : tasks) {
      LabelStudioExport.Task task;
      try {
        task = LabelStudioExport.parseTask(raw, labels);
      } catch (LabelStudioException e) {
        rejected.add(new Rejected(raw.index(), null, null, e.reason(), e.getMessage()));
        continue;
      }
      Path image = resolve(imagesRoot, task.imageCandidates());
      String name = "task " + (task.id() == null ? "#" + task.index() : task.id());
      if (image == null) {
        rejected.add(new Rejected(task.index(), task.id(), task.imageRef(),
            QuarantineReason.MISSING_IMAGE, name + ": no image " + task.imageCandidates()
                + " under " + imagesRoot));
        continue;
      }
      ImageInfo info;
      try {
        info = ImageCodec.inspect(Files.readAllBytes(image));
      } catch (ImageDecodeException e) {
        rejected.add(new Rejected(task.index(), task.id(), image.toString(), e.reason(),
            name + ": " + image + ": " + e.getMessage()));
        continue;
      }
      if (task.height() >= 0 && (info.height() != task.height() || info.width() != task.width())) {
        rejected.add(new Rejected(task.index(), task.id(), image.toString(),
            QuarantineReason.WRONG_SIZE, name + ": " + image + " is " + info.width() + "x"
                + info.height() + " but annotated as " + task.width() + "x" + task.height()));
        continue;
      }
      String stem = stem(image.getFileName().toString());
      for (Map.Entry<String, Integer> label : labels.entrySet()) {
        BinaryMask m = task.masks().get(label.getValue());
        Files.write(out.resolve(stem + "_" + label.getKey() + ".png"),
            ImageCodec.encodePng(toImage(m, info.height(), info.width())));
        masks++;
      }
      written++;
    }
    if (exportError != null) {
      rejected.add(new Rejected(tasks.size(), null, null, QuarantineReason.MALFORMED_ANNOTATION,
          export + ": " + exportError + " (tasks from position " + tasks.size()
              + " on are lost)"));
    }
    writeQuarantine(out.resolve("quarantine.csv"), rejected);
    int in = tasks.size() + (exportError != null ? 1 : 0);
    return new Report(in, written, masks, rejected, exportError);
  }

  /** The first candidate that exists under {@code root}. */
  public static Path resolve(Path root, List<String> candidates) {
    for (String c : candidates) {
      Path p = root.resolve(c).normalize();
      if (p.startsWith(root.normalize()) && Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static String stem(String fileName) {
    int dot = fileName.lastIndexOf('.');
    return dot > 0 ? fileName.substring(0, dot) : fileName;
  }

  /** 0/255 single-channel image of a mask (all 0 for null). */
  public static Image8 toImage(BinaryMask m, int height, int width) {
    byte[] px = new byte[height * width];
    if (m != null) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          if (m.get(y, x)) {
            px[y * width + x] = (byte) 255;
          }
        }
      }
    }
    return new Image8(height, width, 1, px);
  }

  private static void writeQuarantine(Path file, List<Rejected> rejected) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("task_index,task_id,image,reason,detail\n");
      for (Rejected r : rejected) {
        w.write(r.index() + "," + csv(r.taskId()) + "," + csv(r.image()) + ","
            + r.reason().code() + "," + csv(r.detail()) + "\n");
      }
    }
  }

  private static String csv(String s) {
    if (s == null) {
      return "";
    }
    return "\"" + s.replace("\"", "\"\"").replace('\n', ' ').replace('\r', ' ') + "\"";
  }
}
