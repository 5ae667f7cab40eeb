package io.sparkseg.core.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.List;

/**
 * Image to model input: 3 channels (grey is repeated), scaled to [0,1], then per-channel
 * {@code (x - mean) / std}; ImageNet's statistics by default, as pretrained encoders expect.
 */
public record Normalization(float[] mean, float[] std) {
  public static final Normalization IMAGENET = new Normalization(
      new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

  public Normalization {
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("normalization needs 3 means and 3 stds");
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** NCHW float input for a batch of same-size images. */
  public float[] images(List<Image8> images) {
    Image8 first = images.get(0);
    int h = first.height();
    int w = first.width();
    int plane = h * w;
    float[] out = new float[images.size() * 3 * plane];
    for (int n = 0; n < images.size(); n++) {
      Image8 img = images.get(n);
      if (img.height() != h || img.width() != w) {
        throw new IllegalArgumentException("batch mixes " + h + "x" + w + " and "
            + img.height() + "x" + img.width() + " images");
      }
      byte[] px = img.data();
      int ch = img.channels();
      for (int c = 0; c < 3; c++) {
        int src = ch == 1 ? 0 : c;
        float scale = 1f / (255f * std[c]);
        float shift = mean[c] / std[c];
        int base = (n * 3 + c) * plane;
        for (int i = 0; i < plane; i++) {
          out[base + i] = (px[i * ch + src] & 0xFF) * scale - shift;
        }
      }
    }
    return out;
  }

  /** NCHW 0/1 target planes, {@code classes} per sample (a null mask is empty). */
  public static float[] masks(List<BinaryMask[]> masks, int classes, int h, int w) {
    int plane = h * w;
    float[] out = new float[masks.size() * classes * plane];
    for (int n = 0; n < masks.size(); n++) {
      BinaryMask[] m = masks.get(n);
      for (int c = 0; c < classes; c++) {
        if (m[c] == null) {
          continue;
        }
        byte[] px = m[c].toRowMajor();
        int base = (n * classes + c) * plane;
        for (int i = 0; i < plane; i++) {
          out[base + i] = px[i];
        }
      }
    }
    return out;
  }
}
