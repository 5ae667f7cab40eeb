package io.sparkseg.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.scene.ClassMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Boundary F1 by hand on a shifted square, and the fast dilation against brute force. */
class BoundaryF1Test {
  private static ClassMap square(int h, int w, int y0, int x0, int size) {
    byte[] px = new byte[h * w];
    for (int y = y0; y < y0 + size; y++) {
      for (int x = x0; x < x0 + size; x++) {
        px[y * w + x] = 1;
      }
    }
    return new ClassMap(h, w, px);
  }

  @Test
  void aSquareShiftedByThreePixelsMatchesWithinTolerance() {
    ClassMap truth = square(20, 20, 5, 5, 8);
    ClassMap shifted = square(20, 20, 5, 8, 8);
    BoundaryF1 tight = new BoundaryF1(2, 0);
    tight.add(truth, truth);
    assertEquals(1.0, tight.f1(1), 1e-12);
    BoundaryF1 three = new BoundaryF1(2, 3);
    three.add(shifted, truth);
    assertEquals(1.0, three.f1(1), 1e-12, "every outline pixel within 3 px");
    BoundaryF1 one = new BoundaryF1(2, 1);
    one.add(shifted, truth);
    // class 1's outline: 28 pixels; within 1 px of the other square's outline: the top and
    // bottom rows' overlap (columns 8..12 and their neighbours) only
    assertTrue(one.f1(1) < 0.6 && one.f1(1) > 0.2, "f1 " + one.f1(1));
    assertEquals(Double.NaN, new BoundaryF1(3, 1).asMap().get("bf1.2"));
  }

  @Test
  void matchesABruteForceCountOnRandomMaps() {
    Random r = new Random(3);
    for (int trial = 0; trial < 20; trial++) {
      int h = 5 + r.nextInt(12);
      int w = 5 + r.nextInt(12);
      int tol = r.nextInt(3);
      byte[] a = new byte[h * w];
      byte[] b = new byte[h * w];
      for (int i = 0; i < a.length; i++) {
        a[i] = (byte) r.nextInt(3);
        b[i] = (byte) (r.nextInt(10) == 0 ? ClassMap.IGNORE : r.nextInt(3));
      }
      ClassMap p = new ClassMap(h, w, a);
      ClassMap t = new ClassMap(h, w, b);
      BoundaryF1 fast = new BoundaryF1(3, tol);
      fast.add(p, t);
      for (int c = 0; c < 3; c++) {
        boolean[] bp = brute(p, t, c);
        boolean[] bt = brute(t, t, c);
        long np = 0;
        long mp = 0;
        long nt = 0;
        long mt = 0;
        for (int i = 0; i < bp.length; i++) {
          if (bp[i]) {
            np++;
            mp += near(bt, i, h, w, tol) ? 1 : 0;
          }
          if (bt[i]) {
            nt++;
            mt += near(bp, i, h, w, tol) ? 1 : 0;
          }
        }
        double prec = np == 0 ? 0 : (double) mp / np;
        double rec = nt == 0 ? 0 : (double) mt / nt;
        double f = np == 0 && nt == 0 ? Double.NaN : prec + rec == 0 ? 0
            : 2 * prec * rec / (prec + rec);
        assertEquals(f, fast.f1(c), 1e-12, "trial " + trial + " class " + c);
      }
    }
  }

  private static boolean[] brute(ClassMap m, ClassMap truth, int c) {
    int h = m.height();
    int w = m.width();
    boolean[] out = new boolean[h * w];
    int[][] d = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (truth.get(y, x) == ClassMap.IGNORE || m.get(y, x) != c) {
          continue;
        }
        for (int[] k : d) {
          int yy = y + k[0];
          int xx = x + k[1];
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && m.get(yy, xx) != c) {
            out[y * w + x] = true;
          }
        }
      }
    }
    return out;
  }

  private static boolean near(boolean[] set, int i, int h, int w, int tol) {
    int y = i / w;
    int x = i % w;
    for (int yy = Math.max(0, y - tol); yy <= Math.min(h - 1, y + tol); yy++) {
      for (int xx = Math.max(0, x - tol); xx <= Math.min(w - 1, x + tol); xx++) {
        if (set[yy * w + xx]) {
          return true;
        }
      }
    }
    return false;
  }
}
