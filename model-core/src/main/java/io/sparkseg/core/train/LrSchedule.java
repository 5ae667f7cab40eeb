package io.sparkseg.core.train;

import java.util.Locale;

/**
 * Learning rate per epoch. Kinds: {@code constant}; {@code cosine} (cosine annealing with warm
 * restarts: first period {@code t0} epochs, each next one {@code tMult} times longer, down to
 * {@code minLr}); {@code poly} ((1 - e/epochs)^power); {@code plateau} (multiply by
 * {@code factor} after {@code patience} epochs without a better validation score). Any kind can
 * start with {@code warmupEpochs} of linear warm-up. Its only mutable state is the plateau
 * bookkeeping, exposed for checkpoints.
 */
public final class LrSchedule {
  /** The schedule kinds, as named in the configuration. */
  public enum Kind { CONSTANT, COSINE, POLY, PLATEAU }

  private final Kind kind;
  private final float baseLr;
  private final float minLr;
  private final int epochs;
  private final int warmupEpochs;
  private final int t0;
  private final int tMult;
  private final float power;
  private final float factor;
  private final int patience;
  private float plateauLr;
  private double bestScore = Double.NEGATIVE_INFINITY;
  private int badEpochs;

  public LrSchedule(Kind kind, float baseLr, float minLr, int epochs, int warmupEpochs, int t0,
      int tMult, float power, float factor, int patience) {
    if (baseLr <= 0 || epochs < 1 || t0 < 1 || tMult < 1 || warmupEpochs < 0) {
      throw new IllegalArgumentException("bad schedule: lr " + baseLr + ", epochs " + epochs
          + ", t0 " + t0 + ", tMult " + tMult + ", warm-up " + warmupEpochs);
    }
    this.kind = kind;
    this.baseLr = baseLr;
    this.minLr = minLr;
    this.epochs = epochs;
    this.warmupEpochs = warmupEpochs;
    this.t0 = t0;
    this.tMult = tMult;
    this.power = power;
    this.factor = factor;
    this.patience = patience;
    this.plateauLr = baseLr;
  }

  public static Kind kind(String name) {
    try {
      return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown schedule '" + name
          + "'; expected constant, cosine, poly or plateau", e);
    }
  }

  /** Learning rate for 0-based {@code epoch}. */
  public float lr(int epoch) {
    if (epoch < warmupEpochs) {
      return baseLr * (epoch + 1) / (warmupEpochs + 1);
    }
    int e = epoch - warmupEpochs;
    return switch (kind) {
      case CONSTANT -> baseLr;
      case PLATEAU -> plateauLr;
      case POLY -> (float) (minLr + (baseLr - minLr)
          * Math.pow(1 - Math.min(1.0, (double) e / Math.max(1, epochs - warmupEpochs)), power));
      case COSINE -> {
        int period = t0;
        int start = 0;
        while (e >= start + period) {
          start += period;
          period *= tMult;
        }
        double t = (double) (e - start) / period;
        yield (float) (minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t)));
      }
    };
  }

  /** Reports a validation score (higher is better) for the plateau schedule. */
  public void observe(double score) {
    if (kind != Kind.PLATEAU) {
      return;
    }
    if (score > bestScore) {
      bestScore = score;
      badEpochs = 0;
    } else if (++badEpochs > patience) {
      plateauLr = Math.max(minLr, plateauLr * factor);
      badEpochs = 0;
    }
  }

  /** Plateau bookkeeping for a checkpoint: current lr, best score, epochs without progress. */
  public double[] state() {
    return new double[] {plateauLr, bestScore, badEpochs};
  }

  public void restore(double[] state) {
    plateauLr = (float) state[0];
    bestScore = state[1];
    badEpochs = (int) state[2];
  }
}
