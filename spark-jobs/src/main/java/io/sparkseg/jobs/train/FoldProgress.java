package io.sparkseg.jobs.train;

import com.google.gson.Gson;
import io.sparkseg.core.train.EpochRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver's view of a running {@code train}: the fold tasks write their
 * {@code fold-<k>/history.json} after every epoch (to the run folder: local, HDFS, s3a://), and
 * this follower reads them every few seconds and prints each new epoch, so a user sees
 * progress while the driver waits for the tasks — on a cluster as locally, where the tasks'
 * own lines go to executor logs. A history caught half-written is read again at the next look.
 */
final class FoldProgress implements AutoCloseable {
  private static final Gson GSON = new Gson();

  private final List<Integer> folds;
  private final String runDir;
  private final int epochs;
  private final boolean softmax;
  private final Configuration hadoop;
  private final PrintStream out;
  private final long periodMillis;
  private final Map<Integer, Integer> printed = new HashMap<>();
  private final Map<Integer, Long> seen = new HashMap<>();
  private final Thread thread;
  private volatile boolean stop;

  FoldProgress(List<Integer> folds, String runDir, int epochs, boolean softmax,
      Configuration hadoop, PrintStream out, long periodMillis) {
    this.softmax = softmax;
    this.folds = List.copyOf(folds);
    this.runDir = runDir;
    this.epochs = epochs;
    this.hadoop = hadoop;
    this.out = out;
    this.periodMillis = periodMillis;
    // epochs a fold had before this call (a resumed run) are not news
    for (int f : folds) {
      List<EpochRecord> h = read(f);
      printed.put(f, h == null ? 0 : h.size());
    }
    this.thread = new Thread(this::loop, "sparkseg-train-progress");
    thread.setDaemon(true);
  }

  FoldProgress start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!stop) {
      poll();
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Prints the epochs finished since the last look. */
  synchronized void poll() {
    for (int f : folds) {
      List<EpochRecord> h = read(f);
      if (h == null) {
        continue;
      }
      int from = printed.getOrDefault(f, 0);
      for (int i = from; i < h.size(); i++) {
        out.println(line(f, h.get(i)));
      }
      printed.put(f, Math.max(from, h.size()));
    }
    out.flush();
  }

  String line(int fold, EpochRecord r) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "train progress: fold %d epoch %d/%d  loss %.4f", fold, r.epoch(), epochs,
        r.trainLoss()));
    if (r.valLoss() != null && r.metrics() != null) {
      sb.append(String.format(Locale.ROOT, "  val_loss %.4f  %s %.4f", r.valLoss(),
          softmax ? "mIoU" : "dice", r.metrics().getOrDefault(softmax ? "miou" : "dice.mean",
              Double.NaN)));
    }
    sb.append(String.format(Locale.ROOT, "  %.1f s", r.seconds()));
    return sb.toString();
  }

  /** A fold's history, or null when absent, unchanged since the last look, or half-written. */
  private List<EpochRecord> read(int fold) {
    Path p = new Path(runDir + "/fold-" + fold + "/history.json");
    try {
      FileSystem fs = p.getFileSystem(hadoop);
      if (!fs.exists(p)) {
        return null;
      }
      FileStatus st = fs.getFileStatus(p);
      long stamp = st.getModificationTime() * 31 + st.getLen();
      if (seen.containsKey(fold) && seen.get(fold) == stamp) {
        return null;
      }
      try (InputStream in = fs.open(p)) {
        EpochRecord[] h = GSON.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8),
            EpochRecord[].class);
        if (h == null) {
          return null;
        }
        seen.put(fold, stamp);
        return List.of(h);
      }
    } catch (Exception e) {
      return null; // half-written or momentarily unreadable: the next look reads it
    }
  }

  @Override
  public void close() {
    stop = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    poll(); // the last epochs
  }
}
