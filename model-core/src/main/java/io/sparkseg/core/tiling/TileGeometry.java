package io.sparkseg.core.tiling;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How an image is cut into overlapping tiles: windows of {@code tileHeight × tileWidth} every
 * {@code stride} pixels along each axis, plus a last window flush with the far edge so every
 * pixel is covered. Severstal's default, 256×1600 images in 256×512 tiles at stride 256, gives
 * x offsets 0, 256, 512, 768, 1024, 1088: six tiles.
 */
public record TileGeometry(int imageHeight, int imageWidth, int tileHeight, int tileWidth,
    int stride) implements java.io.Serializable {

  public TileGeometry {
    if (imageHeight <= 0 || imageWidth <= 0 || tileHeight <= 0 || tileWidth <= 0 || stride <= 0) {
      throw new IllegalArgumentException("tile geometry needs positive sizes and stride: " + this);
    }
    if (tileHeight > imageHeight || tileWidth > imageWidth) {
      throw new IllegalArgumentException("tile " + tileHeight + "x" + tileWidth
          + " is larger than the image " + imageHeight + "x" + imageWidth);
    }
    boolean gapDown = tileHeight < imageHeight && stride > tileHeight;
    boolean gapAcross = tileWidth < imageWidth && stride > tileWidth;
    if (gapDown || gapAcross) {
      throw new IllegalArgumentException("stride " + stride
          + " is larger than the tile, which would leave pixels uncovered");
    }
  }

  /** Offsets along one axis. */
  static List<Integer> offsets(int size, int tile, int stride) {
    List<Integer> out = new ArrayList<>();
    int o = 0;
    while (o + tile < size) {
      out.add(o);
      o += stride;
    }
    out.add(size - tile);
    return Collections.unmodifiableList(out);
  }

  /** All tiles, row by row. */
  public List<Tile> tiles() {
    List<Integer> ys = offsets(imageHeight, tileHeight, stride);
    List<Integer> xs = offsets(imageWidth, tileWidth, stride);
    List<Tile> out = new ArrayList<>(ys.size() * xs.size());
    for (int y : ys) {
      for (int x : xs) {
        out.add(new Tile(out.size(), y, x, tileHeight, tileWidth));
      }
    }
    return Collections.unmodifiableList(out);
  }

  public int tileCount() {
    return offsets(imageHeight, tileHeight, stride).size()
        * offsets(imageWidth, tileWidth, stride).size();
  }
}
