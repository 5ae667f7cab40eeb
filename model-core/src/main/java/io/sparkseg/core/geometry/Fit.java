package io.sparkseg.core.geometry;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.scene.ClassMap;
import java.util.Locale;

/**
 * Bringing images of any size to the model's {@code height × width} ({@code data.resize}) and
 * predictions back: {@link Mode#STRETCH} scales each axis on its own; {@link Mode#LETTERBOX}
 * scales both by the same factor to fit inside and pads (labels with {@link ClassMap#IGNORE});
 * {@link Mode#CROP} scales to cover and cuts the centre. Images are resized bilinearly, class
 * maps by nearest neighbour on pixel centres; {@link #toSource} is the inverse for class maps
 * (pixels a crop cut off come back as {@link ClassMap#IGNORE}).
 *
 * @param scaleY canvas pixels per source pixel, vertically
 * @param scaleX canvas pixels per source pixel, horizontally
 * @param offsetY canvas row of the scaled image's top edge (negative when cropped)
 * @param offsetX canvas column of the scaled image's left edge
 */
public record Fit(Mode mode, int srcHeight, int srcWidth, int height, int width, double scaleY,
    double scaleX, int scaledHeight, int scaledWidth, int offsetY, int offsetX)
    implements java.io.Serializable {

  /** How the source is brought to the target size. */
  public enum Mode {
    STRETCH, LETTERBOX, CROP;

    public static Mode of(String name) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("resize mode '" + name + "': expected stretch, "
            + "letterbox or crop");
      }
    }
  }

  /** The transform of a {@code srcHeight × srcWidth} image to {@code height × width}. */
  public static Fit of(Mode mode, int srcHeight, int srcWidth, int height, int width) {
    if (srcHeight <= 0 || srcWidth <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("sizes must be positive: " + srcHeight + "x" + srcWidth
          + " -> " + height + "x" + width);
    }
    return switch (mode) {
      case STRETCH -> new Fit(mode, srcHeight, srcWidth, height, width,
          (double) height / srcHeight, (double) width / srcWidth, height, width, 0, 0);
      case LETTERBOX, CROP -> {
        double s = mode == Mode.LETTERBOX
            ? Math.min((double) height / srcHeight, (double) width / srcWidth)
            : Math.max((double) height / srcHeight, (double) width / srcWidth);
        int sh = Math.max(1, (int) Math.round(srcHeight * s));
        int sw = Math.max(1, (int) Math.round(srcWidth * s));
        yield new Fit(mode, srcHeight, srcWidth, height, width, (double) sh / srcHeight,
            (double) sw / srcWidth, sh, sw, (height - sh) / 2, (width - sw) / 2);
      }
    };
  }

  /** Source row of canvas row {@code y} (nearest, pixel centres), or -1 outside the source. */
  private int sourceRow(int y) {
    int r = (int) Math.floor((y + 0.5 - offsetY) / scaleY);
    return r >= 0 && r < srcHeight && y >= offsetY && y < offsetY + scaledHeight ? r : -1;
  }

  private int sourceCol(int x) {
    int c = (int) Math.floor((x + 0.5 - offsetX) / scaleX);
    return c >= 0 && c < srcWidth && x >= offsetX && x < offsetX + scaledWidth ? c : -1;
  }

  /** Canvas row of source row {@code r}, or -1 when it falls outside the canvas. */
  private int canvasRow(int r) {
    int y = (int) Math.floor((r + 0.5) * scaleY) + offsetY;
    return y >= 0 && y < height ? y : -1;
  }

  private int canvasCol(int c) {
    int x = (int) Math.floor((c + 0.5) * scaleX) + offsetX;
    return x >= 0 && x < width ? x : -1;
  }

  /** The image on the canvas: resized bilinearly, padded with {@code pad} (letterbox). */
  public Image8 apply(Image8 src, int pad) {
    check(src.height(), src.width());
    Image8 scaled = Resize.bilinear(src, scaledHeight, scaledWidth);
    if (mode == Mode.STRETCH) {
      return scaled;
    }
    int ch = src.channels();
    byte[] out = new byte[height * width * ch];
    java.util.Arrays.fill(out, (byte) pad);
    byte[] in = scaled.data();
    for (int y = 0; y < height; y++) {
      int sy = y - offsetY;
      if (sy < 0 || sy >= scaledHeight) {
        continue;
      }
      for (int x = 0; x < width; x++) {
        int sx = x - offsetX;
        if (sx >= 0 && sx < scaledWidth) {
          System.arraycopy(in, (sy * scaledWidth + sx) * ch, out, (y * width + x) * ch, ch);
        }
      }
    }
    return new Image8(height, width, ch, out);
  }

  /** The class map on the canvas (nearest; padding is {@link ClassMap#IGNORE}). */
  public ClassMap apply(ClassMap src) {
    check(src.height(), src.width());
    byte[] out = new byte[height * width];
    int[] cols = new int[width];
    for (int x = 0; x < width; x++) {
      cols[x] = sourceCol(x);
    }
    for (int y = 0; y < height; y++) {
      int r = sourceRow(y);
      for (int x = 0; x < width; x++) {
        out[y * width + x] = r < 0 || cols[x] < 0 ? (byte) ClassMap.IGNORE
            : (byte) src.get(r, cols[x]);
      }
    }
    return new ClassMap(height, width, out);
  }

  /** A canvas-sized class map (a prediction) back at the source size (nearest). */
  public ClassMap toSource(ClassMap canvas) {
    if (canvas.height() != height || canvas.width() != width) {
      throw new IllegalArgumentException("prediction is " + canvas.height() + "x"
          + canvas.width() + ", the canvas " + height + "x" + width);
    }
    byte[] out = new byte[srcHeight * srcWidth];
    int[] cols = new int[srcWidth];
    for (int c = 0; c < srcWidth; c++) {
      cols[c] = canvasCol(c);
    }
    for (int r = 0; r < srcHeight; r++) {
      int y = canvasRow(r);
      for (int c = 0; c < srcWidth; c++) {
        out[r * srcWidth + c] = y < 0 || cols[c] < 0 ? (byte) ClassMap.IGNORE
            : (byte) canvas.get(y, cols[c]);
      }
    }
    return new ClassMap(srcHeight, srcWidth, out);
  }

  /**
   * A prediction for every source pixel: as {@link #toSource}, but the pixels a crop cut off
   * take the class of the nearest canvas pixel (edge extension) instead of being ignored, so a
   * class map written for people and scored against its truth covers the whole image.
   */
  public ClassMap toSourceFilled(ClassMap canvas) {
    ClassMap exact = toSource(canvas);
    if (mode != Mode.CROP) {
      return exact;
    }
    byte[] out = exact.classes();
    for (int r = 0; r < srcHeight; r++) {
      int y = Math.min(height - 1, Math.max(0,
          (int) Math.floor((r + 0.5) * scaleY) + offsetY));
      for (int c = 0; c < srcWidth; c++) {
        if ((out[r * srcWidth + c] & 0xFF) == ClassMap.IGNORE) {
          int x = Math.min(width - 1, Math.max(0,
              (int) Math.floor((c + 0.5) * scaleX) + offsetX));
          out[r * srcWidth + c] = (byte) canvas.get(y, x);
        }
      }
    }
    return exact;
  }

  private void check(int h, int w) {
    if (h != srcHeight || w != srcWidth) {
      throw new IllegalArgumentException("this fit is for " + srcHeight + "x" + srcWidth
          + " images, got " + h + "x" + w);
    }
  }
}
