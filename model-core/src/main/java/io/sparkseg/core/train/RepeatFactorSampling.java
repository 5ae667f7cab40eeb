package io.sparkseg.core.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Repeat-factor sampling (Gupta et al., LVIS 2019), balanced to the epoch's length: a training
 * tile showing class c is repeated {@code r_c = max(1, sqrt(t / f_c))} times per epoch on
 * average, where {@code f_c} is the fraction of training tiles showing c and {@code t} the
 * threshold (a tile showing several classes takes the largest factor); tiles showing no class
 * are kept with the probability that brings the expected epoch back to the tiles' count, so a
 * rare class is seen more often within the same training time. Fractional repeats are drawn
 * per epoch from a seeded generator (a resumed run repeats the same tiles).
 */
public final class RepeatFactorSampling implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final float[] factors;
  private final float cleanKeep;

  public RepeatFactorSampling(float[] factors, float cleanKeep) {
    if (cleanKeep < 0 || cleanKeep > 1) {
      throw new IllegalArgumentException("clean tiles' keep probability must be in 0..1, got "
          + cleanKeep);
    }
    this.factors = factors.clone();
    this.cleanKeep = cleanKeep;
  }

  /**
   * Factors for a training set given as tile counts per presence pattern (bit c set = class
   * c+1 present; pattern 0 = no class).
   *
   * @param threshold LVIS's t: classes on fewer than this fraction of tiles are repeated
   */
  public static RepeatFactorSampling of(Map<Integer, Long> tilesByPattern, int classes,
      double threshold) {
    if (threshold <= 0 || threshold > 1) {
      throw new IllegalArgumentException("repeat-factor threshold must be in (0, 1], got "
          + threshold);
    }
    long total = tilesByPattern.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      throw new IllegalArgumentException("no training tiles to sample");
    }
    long[] withClass = new long[classes];
    tilesByPattern.forEach((pattern, n) -> {
      for (int c = 0; c < classes; c++) {
        if ((pattern & (1 << c)) != 0) {
          withClass[c] += n;
        }
      }
    });
    float[] r = new float[classes];
    for (int c = 0; c < classes; c++) {
      double f = withClass[c] / (double) total;
      r[c] = f == 0 ? 1f : (float) Math.max(1.0, Math.sqrt(threshold / f));
    }
    double repeated = 0;
    long clean = tilesByPattern.getOrDefault(0, 0L);
    for (Map.Entry<Integer, Long> e : tilesByPattern.entrySet()) {
      if (e.getKey() != 0) {
        repeated += e.getValue() * factor(r, e.getKey());
      }
    }
    float keep = clean == 0 ? 1f
        : (float) Math.max(0.1, Math.min(1.0, (total - repeated) / clean));
    return new RepeatFactorSampling(r, keep);
  }

  private static float factor(float[] r, int pattern) {
    float best = 0;
    for (int c = 0; c < r.length; c++) {
      if ((pattern & (1 << c)) != 0) {
        best = Math.max(best, r[c]);
      }
    }
    return best;
  }

  /** The expected tiles per epoch of a training set given as in {@link #of}. */
  public long expectedTiles(Map<Integer, Long> tilesByPattern) {
    double n = 0;
    for (Map.Entry<Integer, Long> e : tilesByPattern.entrySet()) {
      n += e.getValue() * (e.getKey() == 0 ? cleanKeep : factor(factors, e.getKey()));
    }
    return Math.round(n);
  }

  /** The repeat factor of class {@code c} (0-based). */
  public float factor(int c) {
    return factors[c];
  }

  public float cleanKeep() {
    return cleanKeep;
  }

  /** The expected copies of a sample per epoch. */
  public float expectedCopies(TrainingSample s) {
    int pattern = 0;
    for (int c = 0; c < s.masks().length && c < factors.length; c++) {
      if (s.masks()[c] != null) {
        pattern |= 1 << c;
      }
    }
    return pattern == 0 ? cleanKeep : factor(factors, pattern);
  }

  /**
   * {@code source} resampled: each sample's copies (its factor, rounded up or down at random)
   * pass through a seeded shuffle buffer of {@code buffer} samples so copies do not meet in one
   * batch. {@code size()} is the expected epoch length.
   */
  public SampleSource apply(SampleSource source, long seed, int buffer, long expectedSize) {
    RepeatFactorSampling self = this;
    return new SampleSource() {
      @Override
      public Iterator<TrainingSample> samples(int epoch) {
        Iterator<TrainingSample> in = source.samples(epoch);
        Random rnd = new Random(seed * 7_919L + epoch);
        List<TrainingSample> pool = new ArrayList<>(buffer);
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            while (pool.size() < buffer && in.hasNext()) {
              TrainingSample s = in.next();
              float r = self.expectedCopies(s);
              int copies = (int) r + (rnd.nextFloat() < r - (int) r ? 1 : 0);
              for (int i = 0; i < copies; i++) {
                pool.add(s);
              }
            }
            return !pool.isEmpty();
          }

          @Override
          public TrainingSample next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int i = rnd.nextInt(pool.size());
            TrainingSample s = pool.get(i);
            pool.set(i, pool.get(pool.size() - 1));
            pool.remove(pool.size() - 1);
            return s;
          }
        };
      }

      @Override
      public long size() {
        return expectedSize;
      }
    };
  }

  /** "class1 x2.14, class2 x1.00, ...; clean tiles kept 0.62". */
  public String describe(List<String> names) {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < factors.length; c++) {
      sb.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s x%.2f",
          c < names.size() ? names.get(c) : "class" + (c + 1), factors[c]));
    }
    return sb.append(String.format(Locale.ROOT, "; tiles without a class kept with p=%.2f",
        cleanKeep)).toString();
  }
}
