package io.sparkseg.core.infer;

import io.sparkseg.core.mask.BinaryMask;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Grid search of each class's probability threshold and minimum and maximum component area
 * (0 = no maximum), maximising Kaggle's Dice (mean over images; an empty prediction of an empty
 * truth scores 1) on out-of-fold probabilities. Feed it whole images ({@link #add}); partial searches over
 * different images combine with {@link #merge}, so the search distributes.
 */
public final class ThresholdSearch implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final float DEFAULT_THRESHOLD = ClassRule.DEFAULT.threshold();
  private final float[] thresholds;
  private final int[] minAreas;
  private final int[] maxAreas;
  private final int classes;
  /** [class][threshold][min area][max area] sum of per-image Dice. */
  private final double[][][][] diceSum;
  private final double[] defaultDiceSum;
  private long images;

  /** A search without a maximum component area. */
  public ThresholdSearch(int classes, float[] thresholds, int[] minAreas) {
    this(classes, thresholds, minAreas, new int[] {0});
  }

  public ThresholdSearch(int classes, float[] thresholds, int[] minAreas, int[] maxAreas) {
    if (classes <= 0 || thresholds.length == 0 || minAreas.length == 0
        || maxAreas.length == 0) {
      throw new IllegalArgumentException(
          "need classes, thresholds, minimum and maximum areas to search");
    }
    for (float t : thresholds) {
      new ClassRule(t, 0, 0f); // validates the range
    }
    for (int a : minAreas) {
      new ClassRule(0.5f, a, 0f);
    }
    for (int a : maxAreas) {
      new ClassRule(0.5f, 0, a, 0f);
    }
    this.classes = classes;
    this.thresholds = thresholds.clone();
    this.minAreas = minAreas.clone();
    this.maxAreas = maxAreas.clone();
    this.diceSum = new double[classes][thresholds.length][minAreas.length][maxAreas.length];
    this.defaultDiceSum = new double[classes];
  }

  /** Adds one image: its probability planes and its truth masks (null = empty). */
  public void add(float[][] probabilities, BinaryMask[] truth, int h, int w) {
    if (probabilities.length != classes || truth.length != classes) {
      throw new IllegalArgumentException("expected " + classes + " classes");
    }
    for (int c = 0; c < classes; c++) {
      float[] p = probabilities[c];
      if (p.length != h * w) {
        throw new IllegalArgumentException("plane " + c + " is not " + h + "x" + w);
      }
      byte[] t = truth[c] == null ? new byte[h * w] : truth[c].toRowMajor();
      long truthCount = 0;
      for (byte b : t) {
        truthCount += b;
      }
      defaultDiceSum[c] += dice(p, t, truthCount, ClassRule.DEFAULT.threshold());
      byte[] on = new byte[p.length];
      for (int ti = 0; ti < thresholds.length; ti++) {
        float thr = thresholds[ti];
        for (int i = 0; i < p.length; i++) {
          on[i] = (byte) (p[i] > thr ? 1 : 0);
        }
        Components comps = Components.of(on, h, w);
        long[] overlap = new long[comps.count() + 1];
        for (int i = 0; i < on.length; i++) {
          if (t[i] != 0) {
            overlap[comps.label()[i]]++;
          }
        }
        for (int ai = 0; ai < minAreas.length; ai++) {
          for (int xi = 0; xi < maxAreas.length; xi++) {
            long predicted = 0;
            long inter = 0;
            for (int l = 1; l <= comps.count(); l++) {
              if (PostProcessing.keeps(comps.size()[l], minAreas[ai], maxAreas[xi])) {
                predicted += comps.size()[l];
                inter += overlap[l];
              }
            }
            diceSum[c][ti][ai][xi] += predicted + truthCount == 0 ? 1.0
                : 2.0 * inter / (predicted + truthCount);
          }
        }
      }
    }
    images++;
  }

  private static double dice(float[] p, byte[] t, long truthCount, float thr) {
    long predicted = 0;
    long inter = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > thr) {
        predicted++;
        inter += t[i];
      }
    }
    return predicted + truthCount == 0 ? 1.0 : 2.0 * inter / (predicted + truthCount);
  }

  /** Adds another search's images (same grid) to this one and returns this. */
  public ThresholdSearch merge(ThresholdSearch other) {
    if (other.classes != classes || !Arrays.equals(other.thresholds, thresholds)
        || !Arrays.equals(other.minAreas, minAreas)
        || !Arrays.equals(other.maxAreas, maxAreas)) {
      throw new IllegalArgumentException("cannot merge searches over different grids");
    }
    for (int c = 0; c < classes; c++) {
      defaultDiceSum[c] += other.defaultDiceSum[c];
      for (int ti = 0; ti < thresholds.length; ti++) {
        for (int ai = 0; ai < minAreas.length; ai++) {
          for (int xi = 0; xi < maxAreas.length; xi++) {
            diceSum[c][ti][ai][xi] += other.diceSum[c][ti][ai][xi];
          }
        }
      }
    }
    images += other.images;
    return this;
  }

  public long images() {
    return images;
  }

  /** The best grid point of one class, its mean Dice, and the mean Dice of the default rule. */
  public record Choice(int classId, ClassRule rule, double dice, double defaultDice) {}

  /**
   * The best rule per class; among equally good ones the threshold nearest the default 0.5,
   * then the smaller minimum area, then no maximum area or else the larger one (a tie carries
   * no evidence against the default). {@code gate} is copied into each rule unchanged.
   */
  public List<Choice> best(float gate) {
    if (images == 0) {
      throw new IllegalStateException("no images were added to the search");
    }
    List<Choice> out = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      int[] b = {0, 0, 0};
      for (int ti = 0; ti < thresholds.length; ti++) {
        for (int ai = 0; ai < minAreas.length; ai++) {
          for (int xi = 0; xi < maxAreas.length; xi++) {
            double d = diceSum[c][ti][ai][xi];
            double bd = diceSum[c][b[0]][b[1]][b[2]];
            if (d > bd + 1e-9 || Math.abs(d - bd) <= 1e-9 && preferred(ti, ai, xi, b)) {
              b = new int[] {ti, ai, xi};
            }
          }
        }
      }
      out.add(new Choice(c + 1, new ClassRule(thresholds[b[0]], minAreas[b[1]], maxAreas[b[2]],
          gate), diceSum[c][b[0]][b[1]][b[2]] / images, defaultDiceSum[c] / images));
    }
    return out;
  }

  /** The tie-break: is grid point (ti, ai, xi) nearer the default rule than {@code b}? */
  private boolean preferred(int ti, int ai, int xi, int[] b) {
    float dt = Math.abs(thresholds[ti] - DEFAULT_THRESHOLD);
    float db = Math.abs(thresholds[b[0]] - DEFAULT_THRESHOLD);
    if (Math.abs(dt - db) > 1e-6f) {
      return dt < db;
    }
    if (minAreas[ai] != minAreas[b[1]]) {
      return minAreas[ai] < minAreas[b[1]];
    }
    return capRank(maxAreas[xi]) < capRank(maxAreas[b[2]]);
  }

  /** No cap first, then larger caps before smaller ones. */
  private static long capRank(int maxArea) {
    return maxArea == 0 ? Long.MIN_VALUE : -(long) maxArea;
  }
}
