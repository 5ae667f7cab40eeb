package io.sparkseg.core.tiling;

/** One window of a {@link TileGeometry}: its index and the offset of its top-left corner. */
public record Tile(int index, int y, int x, int height, int width)
    implements java.io.Serializable {}
