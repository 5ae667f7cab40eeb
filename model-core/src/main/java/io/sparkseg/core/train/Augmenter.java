package io.sparkseg.core.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import java.util.Random;

/**
 * Seeded training augmentation that moves image and masks together, so every mask pixel stays
 * on its image pixel. Each sample's randomness comes from (seed, epoch, index): a resumed run
 * augments exactly as the original would have.
 */
public final class Augmenter {
  private final double hflip;
  private final double vflip;

  /** Probabilities of a horizontal and a vertical flip. */
  public Augmenter(double hflip, double vflip) {
    this.hflip = hflip;
    this.vflip = vflip;
  }

  public static Augmenter none() {
    return new Augmenter(0, 0);
  }

  public TrainingSample apply(TrainingSample s, long seed, int epoch, long index) {
    Random rnd = new Random(((seed * 31 + epoch) * 1_000_003L) ^ index);
    boolean h = rnd.nextDouble() < hflip;
    boolean v = rnd.nextDouble() < vflip;
    if (!h && !v) {
      return s;
    }
    BinaryMask[] masks = new BinaryMask[s.masks().length];
    for (int c = 0; c < masks.length; c++) {
      masks[c] = s.masks()[c] == null ? null : flip(s.masks()[c], h, v);
    }
    return new TrainingSample(s.id(), flip(s.image(), h, v), masks);
  }

  static Image8 flip(Image8 img, boolean horizontal, boolean vertical) {
    int hgt = img.height();
    int w = img.width();
    int ch = img.channels();
    byte[] src = img.data();
    byte[] out = new byte[src.length];
    for (int r = 0; r < hgt; r++) {
      int sr = vertical ? hgt - 1 - r : r;
      for (int x = 0; x < w; x++) {
        int sx = horizontal ? w - 1 - x : x;
        System.arraycopy(src, (sr * w + sx) * ch, out, (r * w + x) * ch, ch);
      }
    }
    return new Image8(hgt, w, ch, out);
  }

  static BinaryMask flip(BinaryMask m, boolean horizontal, boolean vertical) {
    BinaryMask out = new BinaryMask(m.height(), m.width());
    for (int r = 0; r < m.height(); r++) {
      int sr = vertical ? m.height() - 1 - r : r;
      for (int x = 0; x < m.width(); x++) {
        out.set(r, x, m.get(sr, horizontal ? m.width() - 1 - x : x));
      }
    }
    return out;
  }
}
