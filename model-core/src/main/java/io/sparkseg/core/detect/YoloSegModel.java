package io.sparkseg.core.detect;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.sparkseg.core.geometry.Letterbox;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.nn.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An ultralytics YOLO-seg export ({@code yolo export format=onnx} or {@code torchscript}) loaded
 * through DJL: ONNX files with the ONNX Runtime engine, TorchScript with the PyTorch engine,
 * picked by the file's extension. The model is loaded once; each {@link #newDetector()} has its
 * own predictor. Pre- and post-processing are the ultralytics contract ({@link Letterbox},
 * {@link YoloSeg}); DJL's own YOLO translators stretch instead of letterboxing, so they are not
 * used.
 */
public final class YoloSegModel implements DetectorModel {
  private final ZooModel<NDList, NDList> model;
  private final YoloSeg decoding;
  private final String name;
  private final boolean masks;

  private YoloSegModel(ZooModel<NDList, NDList> model, YoloSeg decoding, String name,
      boolean masks) {
    this.model = model;
    this.decoding = decoding;
    this.name = name;
    this.masks = masks;
  }

  /** The DJL engine for a model file: OnnxRuntime for .onnx, PyTorch for TorchScript. */
  public static String engineFor(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".onnx")) {
      return "OnnxRuntime";
    }
    if (n.endsWith(".torchscript") || n.endsWith(".pt") || n.endsWith(".ts")) {
      return Engines.PYTORCH;
    }
    throw new IllegalArgumentException("detector model " + file
        + ": expected an ultralytics export ending in .onnx or .torchscript (or .pt)");
  }

  /**
   * Loads {@code file} (a local path; copy remote files first) on {@code device}.
   *
   * @param masks false to decode boxes only
   */
  public static YoloSegModel load(Path file, YoloSeg decoding, Device device, boolean masks) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("detector model " + file + " does not exist");
    }
    String engine = engineFor(file);
    Engines.ensureOffline();
    String fileName = file.getFileName().toString();
    String stem = fileName.contains(".") ? fileName.substring(0, fileName.lastIndexOf('.'))
        : fileName;
    Criteria.Builder<NDList, NDList> b = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optEngine(engine)
        .optModelPath(file.toAbsolutePath())
        .optModelName(engine.equals(Engines.PYTORCH) ? fileName : stem)
        .optTranslator(new NoopTranslator())
        .optDevice(engine.equals(Engines.PYTORCH) ? device : Device.cpu());
    try {
      ZooModel<NDList, NDList> m = b.build().loadModel();
      return new YoloSegModel(m, decoding, "yolo-seg:" + fileName, masks);
    } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
      throw new IllegalArgumentException("detector model " + file + " could not be loaded by "
          + engine + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  public YoloSeg decoding() {
    return decoding;
  }

  @Override
  public PersonDetector newDetector() {
    Predictor<NDList, NDList> predictor = model.newPredictor();
    return new PersonDetector() {
      @Override
      public List<Detection> detect(Image8 image) {
        return YoloSegModel.this.detect(predictor, image);
      }

      @Override
      public void close() {
        predictor.close();
      }
    };
  }

  private List<Detection> detect(Predictor<NDList, NDList> predictor, Image8 image) {
    int size = decoding.imageSize();
    Letterbox lb = Letterbox.of(image.height(), image.width(), size);
    Image8 canvas = lb.apply(image);
    float[] chw = new float[3 * size * size];
    byte[] px = canvas.data();
    int plane = size * size;
    for (int p = 0; p < plane; p++) {
      chw[p] = (px[p * 3] & 0xFF) / 255f;
      chw[plane + p] = (px[p * 3 + 1] & 0xFF) / 255f;
      chw[2 * plane + p] = (px[p * 3 + 2] & 0xFF) / 255f;
    }
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray input = manager.create(chw, new Shape(1, 3, size, size));
      NDList out = predictor.predict(new NDList(input));
      NDArray boxes = null;
      NDArray protos = null;
      for (NDArray a : out) {
        if (a.getShape().dimension() == 3 && boxes == null) {
          boxes = a;
        } else if (a.getShape().dimension() == 4 && protos == null) {
          protos = a;
        }
      }
      if (boxes == null || protos == null) {
        throw new IllegalStateException(name + " is not a YOLO-seg export: outputs "
            + describe(out) + ", expected [1, 4+nc+32, N] and [1, 32, mh, mw]");
      }
      Shape bs = boxes.getShape();
      Shape ps = protos.getShape();
      if (ps.get(1) != YoloSeg.MASK_COEFFICIENTS || bs.get(1) <= 4 + YoloSeg.MASK_COEFFICIENTS) {
        throw new IllegalStateException(name + " is not a YOLO-seg export: outputs "
            + describe(out) + ", expected [1, 4+nc+32, N] and [1, 32, mh, mw]");
      }
      List<Detection> found = decoding.decode(boxes.toFloatArray(), (int) bs.get(1),
          (int) bs.get(2), protos.toFloatArray(), (int) ps.get(2), (int) ps.get(3), lb, masks);
      out.close();
      return found;
    } catch (TranslateException e) {
      throw new IllegalStateException(name + " failed on a " + image.height() + "x"
          + image.width() + " image: " + e.getMessage(), e);
    }
  }

  private static String describe(NDList list) {
    StringBuilder sb = new StringBuilder();
    for (NDArray a : list) {
      sb.append(sb.length() == 0 ? "" : ", ").append(a.getShape());
    }
    return sb.toString();
  }

  @Override
  public void close() {
    model.close();
  }
}
