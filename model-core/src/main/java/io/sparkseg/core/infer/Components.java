package io.sparkseg.core.infer;

/**
 * 8-connected components of a row-major 0/1 plane: {@code label[pixel]} is 0 for background and
 * 1..{@code count} for the component the pixel belongs to; {@code size[l]} is component
 * {@code l}'s pixel count ({@code size[0]} unused).
 */
public record Components(int count, int[] label, int[] size) {

  /** Labels the non-zero pixels of {@code on} (an iterative flood fill: no recursion limit). */
  public static Components of(byte[] on, int h, int w) {
    if (on.length != h * w) {
      throw new IllegalArgumentException("plane has " + on.length + " pixels, not " + h + "x" + w);
    }
    int[] label = new int[on.length];
    int[] stack = new int[on.length];
    int[] sizes = new int[16];
    int next = 0;
    for (int start = 0; start < on.length; start++) {
      if (on[start] == 0 || label[start] != 0) {
        continue;
      }
      next++;
      int top = 0;
      int size = 0;
      stack[top++] = start;
      label[start] = next;
      while (top > 0) {
        int p = stack[--top];
        size++;
        int r = p / w;
        int c = p % w;
        for (int dr = -1; dr <= 1; dr++) {
          int rr = r + dr;
          if (rr < 0 || rr >= h) {
            continue;
          }
          for (int dc = -1; dc <= 1; dc++) {
            int cc = c + dc;
            if (cc < 0 || cc >= w || (dr == 0 && dc == 0)) {
              continue;
            }
            int q = rr * w + cc;
            if (on[q] != 0 && label[q] == 0) {
              label[q] = next;
              stack[top++] = q;
            }
          }
        }
      }
      if (next >= sizes.length) {
        sizes = java.util.Arrays.copyOf(sizes, sizes.length * 2);
      }
      sizes[next] = size;
    }
    return new Components(next, label, java.util.Arrays.copyOf(sizes, next + 1));
  }
}
