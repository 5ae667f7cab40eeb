package io.sparkseg.jobs.predict;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelCard;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.SegmentationModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The models of an executor JVM: each ensemble (a list of model files) is loaded once per JVM and
 * device, on first use, and then shared by every task on that executor; tasks make their own
 * predictors over it. Loading is thread-safe: concurrent first uses wait for one load. Models
 * live as long as the JVM (executors are short-lived compared with a model's load time).
 */
public final class ModelCache {
  /**
   * A loaded ensemble: one DJL model per file, with its card, on one device; or one exported
   * ONNX file ({@code onnx} set, the lists empty, no manager) that ONNX Runtime scores.
   */
  public record Ensemble(List<SegmentationModel> models, List<ModelCard> cards,
      NDManager manager, io.sparkseg.core.export.OnnxSegmentationModel onnx) {}

  private static final ConcurrentHashMap<String, Holder> CACHE = new ConcurrentHashMap<>();
  private static final AtomicInteger LOADS = new AtomicInteger();

  private ModelCache() {}

  /** The ensemble of {@code files} on {@code device}, loading it if this JVM has not yet. */
  public static Ensemble get(List<String> files, Device device, Configuration conf) {
    String key = device + "|" + String.join(",", files);
    return CACHE.computeIfAbsent(key, k -> new Holder()).get(files, device, conf);
  }

  /** How many ensembles this JVM has loaded (tests check that it is one per JVM). */
  public static int loads() {
    return LOADS.get();
  }

  /** The card file of a model file: {@code x.safetensors} → {@code x.json}. */
  public static String cardOf(String modelFile) {
    return modelFile.substring(0, modelFile.length() - ".safetensors".length()) + ".json";
  }

  /** Reads a model's card (driver-side checks use this too). */
  public static ModelCard readCard(String modelFile, Configuration conf) throws IOException {
    Path p = new Path(cardOf(modelFile));
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return ModelIo.readCard(in);
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot read the model card " + p + ": " + e.getMessage(), e);
    }
  }

  private static final class Holder {
    private Ensemble ensemble;

    synchronized Ensemble get(List<String> files, Device device, Configuration conf) {
      if (ensemble == null) {
        ensemble = load(files, device, conf);
        LOADS.incrementAndGet();
      }
      return ensemble;
    }
  }

  private static Ensemble load(List<String> files, Device device, Configuration conf) {
    if (files.size() == 1 && io.sparkseg.core.export.OnnxSegmentationModel.isOnnx(files.get(0))) {
      return new Ensemble(List.of(), List.of(), null, loadOnnx(files.get(0), conf));
    }
    Engines.ensureOffline();
    NDManager manager = Engines.pytorch().newBaseManager(device);
    List<SegmentationModel> models = new ArrayList<>();
    List<ModelCard> cards = new ArrayList<>();
    try {
      for (String file : files) {
        ModelCard card = readCard(file, conf);
        Path p = new Path(file);
        SafeTensors weights;
        try (InputStream in = p.getFileSystem(conf).open(p)) {
          weights = SafeTensors.read(in, file);
        }
        models.add(ModelIo.load(card, weights, manager, file));
        cards.add(card);
      }
    } catch (IOException e) {
      manager.close();
      throw new IllegalStateException("cannot load the model ensemble: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    return new Ensemble(List.copyOf(models), List.copyOf(cards), manager, null);
  }

  /**
   * An exported ONNX file and its sidecar (when there is one), copied to a local folder first
   * when they live on a remote file system (ONNX Runtime reads local files).
   */
  static io.sparkseg.core.export.OnnxSegmentationModel loadOnnx(String file, Configuration conf) {
    Path p = new Path(file);
    try {
      org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(conf);
      java.nio.file.Path local;
      if (fs instanceof org.apache.hadoop.fs.LocalFileSystem
          || fs instanceof org.apache.hadoop.fs.RawLocalFileSystem) {
        local = java.nio.file.Path.of(fs.makeQualified(p).toUri());
      } else {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("sparkseg-onnx");
        local = dir.resolve(p.getName());
        fs.copyToLocalFile(false, p, new Path(local.toUri()), true);
        java.nio.file.Path sidecar = io.sparkseg.core.export.OnnxSegmentationModel.sidecarOf(local);
        Path remoteSidecar = new Path(p.getParent(), sidecar.getFileName().toString());
        if (fs.exists(remoteSidecar)) {
          fs.copyToLocalFile(false, remoteSidecar, new Path(sidecar.toUri()), true);
        }
      }
      return io.sparkseg.core.export.OnnxSegmentationModel.load(local);
    } catch (IOException e) {
      throw new IllegalStateException("cannot load the ONNX model " + file + ": "
          + e.getMessage(), e);
    }
  }
}
