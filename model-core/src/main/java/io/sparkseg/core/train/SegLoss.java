package io.sparkseg.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * Segmentation losses on NCHW logits and NCHW 0/1 target planes, numerically stable (BCE is
 * computed from logits as {@code max(x,0) - x*y + log(1 + exp(-|x|))}, never {@code log(sigmoid)}).
 * Named as in the configuration: {@code bce}, {@code dice}, {@code combo} (0.5 BCE + 0.5 Dice),
 * {@code bce-pw} (BCE with per-class pos_weight), {@code combo-pw} (0.75 BCE-pw + 0.25 Dice),
 * {@code jaccard} (soft IoU), and for one-class-per-pixel targets (softmax) {@code ce-dice}
 * (0.5 cross-entropy + 0.5 Dice) and {@code ce-dice-iou} (cross-entropy + Dice + soft IoU,
 * a third each).
 */
public final class SegLoss {
  /** Severstal's default per-class positive weights. */
  public static final float[] DEFAULT_POS_WEIGHT = {2.0f, 2.0f, 1.0f, 1.5f};

  private final String name;
  private final float bceWeight;
  private final float diceWeight;
  private final float ceWeight;
  private final float iouWeight;
  private final boolean softmax;
  private final float[] posWeight;

  private SegLoss(String name, float bceWeight, float diceWeight, float ceWeight,
      float iouWeight, boolean softmax, float[] posWeight) {
    this.name = name;
    this.bceWeight = bceWeight;
    this.diceWeight = diceWeight;
    this.ceWeight = ceWeight;
    this.iouWeight = iouWeight;
    this.softmax = softmax;
    this.posWeight = posWeight;
  }

  /** The loss a configuration name stands for; {@code posWeight} is used by the -pw losses. */
  public static SegLoss of(String name, float[] posWeight) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "bce" -> new SegLoss("bce", 1, 0, 0, 0, false, null);
      case "dice" -> new SegLoss("dice", 0, 1, 0, 0, false, null);
      case "jaccard" -> new SegLoss("jaccard", 0, 0, 0, 1, false, null);
      case "combo" -> new SegLoss("combo", 0.5f, 0.5f, 0, 0, false, null);
      case "bce-pw" -> new SegLoss("bce-pw", 1, 0, 0, 0, false, posWeight.clone());
      case "combo-pw" -> new SegLoss("combo-pw", 0.75f, 0.25f, 0, 0, false, posWeight.clone());
      case "ce-dice" -> new SegLoss("ce-dice", 0, 0.5f, 0.5f, 0, true, null);
      case "ce-dice-iou" -> new SegLoss("ce-dice-iou", 0, 1f / 3, 1f / 3, 1f / 3, true, null);
      default -> throw new IllegalArgumentException("unknown loss '" + name + "'; expected one of "
          + "bce, dice, jaccard, combo, bce-pw, combo-pw, ce-dice, ce-dice-iou");
    };
  }

  public String name() {
    return name;
  }

  /** Scalar loss. */
  public NDArray compute(NDArray logits, NDArray target) {
    if (!logits.getShape().equals(target.getShape())) {
      throw new IllegalArgumentException("logits " + logits.getShape() + " and target "
          + target.getShape() + " differ");
    }
    NDArray total = null;
    if (bceWeight > 0) {
      total = bce(logits, target, posWeight).mul(bceWeight);
    }
    if (ceWeight > 0) {
      NDArray ce = crossEntropy(logits, target).mul(ceWeight);
      total = total == null ? ce : total.add(ce);
    }
    if (diceWeight > 0 || iouWeight > 0) {
      NDArray probs = softmax ? logits.softmax(1) : logits.getNDArrayInternal().sigmoid();
      if (diceWeight > 0) {
        NDArray d = dice(probs, target).mul(diceWeight);
        total = total == null ? d : total.add(d);
      }
      if (iouWeight > 0) {
        NDArray j = jaccard(probs, target).mul(iouWeight);
        total = total == null ? j : total.add(j);
      }
    }
    return total;
  }

  /** Mean binary cross-entropy from logits; {@code posWeight} per class or null. */
  public static NDArray bce(NDArray x, NDArray y, float[] posWeight) {
    NDArray softplusNegAbs = x.abs().neg().exp().add(1).log(); // log(1 + e^-|x|)
    NDArray reluNeg = x.neg().maximum(0f);
    if (posWeight == null) {
      // max(x,0) - x*y + log(1 + e^-|x|) == (1-y)*x + log(1+e^-|x|) + max(-x,0)
      return y.neg().add(1).mul(x).add(softplusNegAbs).add(reluNeg).mean();
    }
    long c = x.getShape().get(1);
    if (posWeight.length != c) {
      throw new IllegalArgumentException("pos_weight has " + posWeight.length + " values for "
          + c + " classes: " + Arrays.toString(posWeight));
    }
    NDArray pw = x.getManager().create(posWeight, new Shape(1, c, 1, 1));
    NDArray logWeight = pw.sub(1).mul(y).add(1); // 1 + (pw - 1) * y
    return y.neg().add(1).mul(x).add(logWeight.mul(softplusNegAbs.add(reluNeg))).mean();
  }

  /**
   * Soft Dice loss per class over batch and pixels, as smp's multilabel DiceLoss: classes with
   * no positive pixel in the batch do not count.
   */
  public static NDArray dice(NDArray probs, NDArray y) {
    int[] axes = {0, 2, 3};
    NDArray inter = probs.mul(y).sum(axes);
    NDArray card = probs.add(y).sum(axes);
    NDArray score = inter.mul(2).div(card.maximum(1e-7f));
    NDArray present = y.sum(axes).gt(0).toType(probs.getDataType(), false);
    return score.neg().add(1).mul(present).mean();
  }

  /** Soft Jaccard (IoU) loss per class, like {@link #dice}: classes without positives skipped. */
  public static NDArray jaccard(NDArray probs, NDArray y) {
    int[] axes = {0, 2, 3};
    NDArray inter = probs.mul(y).sum(axes);
    NDArray union = probs.add(y).sum(axes).sub(inter);
    NDArray score = inter.div(union.maximum(1e-7f));
    NDArray present = y.sum(axes).gt(0).toType(probs.getDataType(), false);
    return score.neg().add(1).mul(present).mean();
  }

  /** Softmax cross-entropy with one-hot target planes. */
  public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
    return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
  }

  @Override
  public String toString() {
    return name + (posWeight == null ? "" : " pos_weight=" + Arrays.toString(posWeight));
  }
}
