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
 * {@code focal-pw} (combo-pw with the BCE replaced by the focal loss of Lin et al. 2017, gamma 2:
 * each pixel's BCE-pw scaled by {@code (1 - p_t)^2}, so the many easy background pixels weigh
 * little beside the few hard ones of small, rare defects),
 * {@code jaccard} (soft IoU), and for one-class-per-pixel targets (softmax) {@code ce}
 * (cross-entropy), {@code ce-dice} (0.5 cross-entropy + 0.5 Dice) and {@code ce-dice-iou}
 * (cross-entropy + Dice + soft IoU, a third each). Softmax targets may leave pixels unlabelled
 * (all planes 0: void, ignore index): those pixels count for no term, as PyTorch's
 * {@code ignore_index} does; optional per-class weights weight the cross-entropy as PyTorch's
 * {@code weight} does (the mean is over the labelled pixels' weights).
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
  private final float[] classWeight;
  private final float lovaszWeight;
  /** Focal modulation exponent of the BCE term; 0 = plain BCE. */
  private final float gamma;

  private SegLoss(String name, float bceWeight, float diceWeight, float ceWeight,
      float iouWeight, boolean softmax, float[] posWeight) {
    this(name, bceWeight, diceWeight, ceWeight, iouWeight, softmax, posWeight, null, 0, 0);
  }

  private SegLoss(String name, float bceWeight, float diceWeight, float ceWeight,
      float iouWeight, boolean softmax, float[] posWeight, float[] classWeight,
      float lovaszWeight, float gamma) {
    this.lovaszWeight = lovaszWeight;
    this.gamma = gamma;
    this.name = name;
    this.bceWeight = bceWeight;
    this.diceWeight = diceWeight;
    this.ceWeight = ceWeight;
    this.iouWeight = iouWeight;
    this.softmax = softmax;
    this.posWeight = posWeight;
    this.classWeight = classWeight;
  }

  /** This softmax loss with per-class cross-entropy weights (null: none). */
  public SegLoss withClassWeights(float[] weights) {
    if (!softmax && weights != null) {
      throw new IllegalArgumentException(name + " is not a softmax loss: class weights apply to "
          + "the cross-entropy of ce, ce-dice, ce-dice-iou");
    }
    return new SegLoss(name, bceWeight, diceWeight, ceWeight, iouWeight, softmax, posWeight,
        weights == null ? null : weights.clone(), lovaszWeight, gamma);
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
      case "focal-pw" -> new SegLoss("focal-pw", 0.75f, 0.25f, 0, 0, false, posWeight.clone(),
          null, 0, 2f);
      case "ce" -> new SegLoss("ce", 0, 0, 1, 0, true, null);
      case "ce-dice" -> new SegLoss("ce-dice", 0, 0.5f, 0.5f, 0, true, null);
      case "ce-dice-iou" -> new SegLoss("ce-dice-iou", 0, 1f / 3, 1f / 3, 1f / 3, true, null);
      case "lovasz" -> new SegLoss("lovasz", 0, 0, 0, 0, true, null, null, 1, 0);
      case "ce-lovasz" -> new SegLoss("ce-lovasz", 0, 0, 0.5f, 0, true, null, null, 0.5f, 0);
      default -> throw new IllegalArgumentException("unknown loss '" + name + "'; expected one of "
          + "bce, dice, jaccard, combo, bce-pw, combo-pw, focal-pw, ce, ce-dice, ce-dice-iou, "
          + "lovasz, ce-lovasz");
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
      total = (gamma > 0 ? focal(logits, target, posWeight, gamma)
          : bce(logits, target, posWeight)).mul(bceWeight);
    }
    if (ceWeight > 0) {
      NDArray ce = crossEntropy(logits, target, classWeight).mul(ceWeight);
      total = total == null ? ce : total.add(ce);
    }
    if (lovaszWeight > 0) {
      NDArray l = lovaszSoftmax(logits.softmax(1), target).mul(lovaszWeight);
      total = total == null ? l : total.add(l);
    }
    if (diceWeight > 0 || iouWeight > 0) {
      NDArray probs = softmax ? logits.softmax(1) : logits.getNDArrayInternal().sigmoid();
      if (softmax) { // unlabelled pixels (all planes 0) take no part in Dice or IoU
        probs = probs.mul(target.sum(new int[] {1}, true));
      }
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
    return perPixelBce(x, y, posWeight).mean();
  }

  /**
   * Mean focal loss from logits (Lin et al. 2017, as torchvision's {@code sigmoid_focal_loss}
   * without its alpha): each pixel's binary cross-entropy (with {@code posWeight} per class, or
   * null) times {@code (1 - p_t)^gamma}, {@code p_t} the probability given to the true label.
   * {@code gamma} 0 is {@link #bce}.
   */
  public static NDArray focal(NDArray x, NDArray y, float[] posWeight, float gamma) {
    NDArray p = x.getNDArrayInternal().sigmoid();
    NDArray miss = p.add(y).sub(p.mul(y).mul(2)); // 1 - p_t: 1 - p where y = 1, p where y = 0
    return miss.pow(gamma).mul(perPixelBce(x, y, posWeight)).mean();
  }

  /** Each pixel's binary cross-entropy from logits, stable for any logit. */
  private static NDArray perPixelBce(NDArray x, NDArray y, float[] posWeight) {
    // -log(sigmoid(x)) = log(1 + e^-|x|) + max(-x, 0); the loss is (1 - y) x + w -log(sigmoid(x))
    NDArray lossOfLabel = x.abs().neg().exp().add(1).log().add(x.neg().maximum(0f));
    NDArray notLabel = y.neg().add(1).mul(x);
    if (posWeight == null) {
      return notLabel.add(lossOfLabel);
    }
    long c = x.getShape().get(1);
    if (posWeight.length != c) {
      throw new IllegalArgumentException("pos_weight has " + posWeight.length + " values for "
          + c + " classes: " + Arrays.toString(posWeight));
    }
    NDArray pw = x.getManager().create(posWeight, new Shape(1, c, 1, 1));
    return notLabel.add(pw.sub(1).mul(y).add(1).mul(lossOfLabel)); // w = 1 + (pw - 1) y
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

  /** Softmax cross-entropy with one-hot target planes, unlabelled pixels ignored. */
  public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
    return crossEntropy(logits, oneHot, null);
  }

  /**
   * Softmax cross-entropy with one-hot target planes and per-class weights (null: 1): the sum of
   * {@code -w[y] log p[y]} over labelled pixels divided by the sum of their {@code w[y]}, as
   * PyTorch's {@code cross_entropy(weight=w, ignore_index=...)}. Pixels whose planes are all 0
   * (void) count for nothing; a batch with no labelled pixel gives 0.
   */
  public static NDArray crossEntropy(NDArray logits, NDArray oneHot, float[] classWeight) {
    NDArray target = oneHot;
    if (classWeight != null) {
      long c = logits.getShape().get(1);
      if (classWeight.length != c) {
        throw new IllegalArgumentException("class weights have " + classWeight.length
            + " values for " + c + " classes: " + Arrays.toString(classWeight));
      }
      target = oneHot.mul(logits.getManager().create(classWeight, new Shape(1, c, 1, 1)));
    }
    NDArray loss = logits.logSoftmax(1).mul(target).sum().neg();
    return loss.div(target.sum().maximum(1e-12f));
  }

  /**
   * Lovász-softmax (Berman et al. 2018): per class present in the batch, the Lovász extension of
   * the Jaccard loss on the errors {@code |y_c - p_c|} of the labelled pixels, averaged over the
   * present classes. The extension is linear in the errors once they are sorted, so its value is
   * {@code errors · g} with the weights {@code g} computed from the sorted truth on the host (no
   * sort in the autograd graph); its gradient with respect to the errors is exactly {@code g}.
   */
  public static NDArray lovaszSoftmax(NDArray probs, NDArray oneHot) {
    Shape s = probs.getShape();
    int n = (int) s.get(0);
    int c = (int) s.get(1);
    int plane = (int) (s.get(2) * s.get(3));
    float[] y = oneHot.toFloatArray();
    float[] errors = oneHot.sub(probs).abs().toFloatArray();
    float[] weights = new float[y.length];
    boolean[] labelled = new boolean[n * plane];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < c; k++) {
        for (int p = 0; p < plane; p++) {
          if (y[(i * c + k) * plane + p] > 0) {
            labelled[i * plane + p] = true;
          }
        }
      }
    }
    int present = 0;
    for (int k = 0; k < c; k++) {
      // this class's labelled pixels, by descending error
      java.util.List<Integer> at = new java.util.ArrayList<>();
      double positives = 0;
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < plane; p++) {
          if (labelled[i * plane + p]) {
            int q = (i * c + k) * plane + p;
            at.add(q);
            positives += y[q];
          }
        }
      }
      if (positives == 0) {
        continue;
      }
      present++;
      at.sort((a, b) -> Float.compare(errors[b], errors[a]));
      double cumFg = 0;
      double cumBg = 0;
      double previous = 0;
      for (int q : at) {
        cumFg += y[q];
        cumBg += 1 - y[q];
        double jaccard = 1 - (positives - cumFg) / (positives + cumBg);
        weights[q] = (float) (jaccard - previous);
        previous = jaccard;
      }
    }
    NDArray g = probs.getManager().create(weights, s);
    NDArray loss = oneHot.sub(probs).abs().mul(g).sum();
    return present == 0 ? loss.mul(0) : loss.div(present);
  }

  @Override
  public String toString() {
    return name + (posWeight == null ? "" : " pos_weight=" + Arrays.toString(posWeight))
        + (classWeight == null ? "" : " class_weight=" + Arrays.toString(classWeight));
  }
}
