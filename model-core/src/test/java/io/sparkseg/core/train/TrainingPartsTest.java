package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.ConstantInitializer;
import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.nn.Engines;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Losses, optimizers, schedules and augmentation against hand-computed values. */
class TrainingPartsTest {
  private static NDManager m;

  @BeforeAll
  static void engine() {
    m = Engines.pytorch().newBaseManager(Device.cpu());
  }

  @AfterAll
  static void close() {
    m.close();
  }

  private static double bce(double x, double y, double pw) {
    double p = 1 / (1 + Math.exp(-x));
    return -(pw * y * Math.log(p) + (1 - y) * Math.log(1 - p));
  }

  @Test
  void focalScalesEachPixelsBceByItsMissAndTakesTheDiceTermOfComboPw() {
    float[] x = {0f, 2f, -3f, 0.5f, 4f, -1f, 1f, -2f};
    float[] y = {1f, 0f, 1f, 0f, 1f, 0f, 0f, 1f};
    float[] pw = {5f, 2f, 1f, 1.5f};
    NDArray lx = m.create(x, new Shape(2, 4, 1, 1));
    NDArray ly = m.create(y, new Shape(2, 4, 1, 1));
    double want = 0;
    double wantPw = 0;
    for (int i = 0; i < 8; i++) {
      double p = 1 / (1 + Math.exp(-x[i]));
      double miss = y[i] == 1 ? 1 - p : p;
      want += miss * miss * bce(x[i], y[i], 1) / 8;
      wantPw += miss * miss * bce(x[i], y[i], pw[i % 4]) / 8;
    }
    assertEquals(want, SegLoss.focal(lx, ly, null, 2f).getFloat(), 1e-5);
    assertEquals(wantPw, SegLoss.focal(lx, ly, pw, 2f).getFloat(), 1e-5);
    assertEquals(SegLoss.bce(lx, ly, pw).getFloat(), SegLoss.focal(lx, ly, pw, 0f).getFloat(),
        1e-6, "gamma 0 is BCE");
    // a confident right pixel weighs far less than under BCE, a wrong one about the same
    NDArray right = m.create(new float[] {4f}, new Shape(1, 1, 1, 1));
    NDArray wrong = m.create(new float[] {-4f}, new Shape(1, 1, 1, 1));
    NDArray one = m.create(new float[] {1f}, new Shape(1, 1, 1, 1));
    assertTrue(SegLoss.focal(right, one, null, 2f).getFloat()
        < 0.001 * SegLoss.bce(right, one, null).getFloat());
    assertTrue(SegLoss.focal(wrong, one, null, 2f).getFloat()
        > 0.95 * SegLoss.bce(wrong, one, null).getFloat());
    float focalPw = SegLoss.of("focal-pw", pw).compute(lx, ly).getFloat();
    assertEquals(0.75 * wantPw + 0.25 * SegLoss.dice(lx.getNDArrayInternal().sigmoid(), ly)
        .getFloat(), focalPw, 1e-5);
  }

  @Test
  void bceMatchesTheDefinitionAndStaysFiniteForLargeLogits() {
    float[] x = {0f, 2f, -3f, 0.5f};
    float[] y = {1f, 0f, 1f, 0f};
    NDArray lx = m.create(x, new Shape(1, 4, 1, 1));
    NDArray ly = m.create(y, new Shape(1, 4, 1, 1));
    double want = 0;
    double wantPw = 0;
    float[] pw = {2f, 2f, 1f, 1.5f};
    for (int i = 0; i < 4; i++) {
      want += bce(x[i], y[i], 1) / 4;
      wantPw += bce(x[i], y[i], pw[i]) / 4;
    }
    assertEquals(want, SegLoss.bce(lx, ly, null).getFloat(), 1e-5);
    assertEquals(wantPw, SegLoss.bce(lx, ly, pw).getFloat(), 1e-5);
    NDArray big = m.create(new float[] {100f, -100f}, new Shape(1, 2, 1, 1));
    NDArray t = m.create(new float[] {0f, 1f}, new Shape(1, 2, 1, 1));
    assertEquals(100f, SegLoss.bce(big, t, null).getFloat(), 1e-3, "no log(0), no inf");
  }

  @Test
  void diceComboAndNames() {
    // class 0: p = [1, .5], y = [1, 1] -> dice = 2*1.5/(1.5+2) ; class 1 has no positives: ignored
    NDArray p = m.create(new float[] {1f, 0.5f, 0.3f, 0.2f}, new Shape(1, 2, 1, 2));
    NDArray y = m.create(new float[] {1f, 1f, 0f, 0f}, new Shape(1, 2, 1, 2));
    assertEquals((1 - 3.0 / 3.5) / 2, SegLoss.dice(p, y).getFloat(), 1e-6);
    NDArray logits = m.create(new float[] {1f, -1f, 0.2f, 3f}, new Shape(1, 2, 1, 2));
    float combo = SegLoss.of("combo", null).compute(logits, y).getFloat();
    float both = 0.5f * SegLoss.bce(logits, y, null).getFloat()
        + 0.5f * SegLoss.dice(logits.getNDArrayInternal().sigmoid(), y).getFloat();
    assertEquals(both, combo, 1e-6);
    assertThrows(IllegalArgumentException.class, () -> SegLoss.of("focal", null));
    // soft IoU of class 0: inter 1.5, union 1.5 + 2 - 1.5 = 2 -> 1 - 0.75; class 1 skipped
    assertEquals((1 - 0.75) / 2, SegLoss.jaccard(p, y).getFloat(), 1e-6);
    NDArray oneHotY = m.create(new float[] {1f, 0f, 0f, 1f}, new Shape(1, 2, 1, 2));
    float all = SegLoss.of("ce-dice-iou", null).compute(logits, oneHotY).getFloat();
    NDArray soft = logits.softmax(1);
    float parts = (SegLoss.crossEntropy(logits, oneHotY).getFloat()
        + SegLoss.dice(soft, oneHotY).getFloat() + SegLoss.jaccard(soft, oneHotY).getFloat()) / 3;
    assertEquals(parts, all, 1e-6);
    NDArray oneHot = m.create(new float[] {1f, 0f, 0f, 1f}, new Shape(1, 2, 1, 2));
    double ce = (-Math.log(Math.exp(1) / (Math.exp(1) + Math.exp(0.2)))
        - Math.log(Math.exp(3) / (Math.exp(-1) + Math.exp(3)))) / 2;
    assertEquals(ce, SegLoss.crossEntropy(logits, oneHot).getFloat(), 1e-5);
  }

  @Test
  void softmaxLossesIgnoreUnlabelledPixelsAndWeightClassesByHand() {
    // 3 pixels: class 0, class 1, and a void pixel (both planes 0) whose logits would dominate
    NDArray logits = m.create(new float[] {1f, -1f, 5f, 0.2f, 3f, -5f}, new Shape(1, 2, 1, 3));
    NDArray y = m.create(new float[] {1f, 0f, 0f, 0f, 1f, 0f}, new Shape(1, 2, 1, 3));
    double l0 = -Math.log(Math.exp(1) / (Math.exp(1) + Math.exp(0.2)));
    double l1 = -Math.log(Math.exp(3) / (Math.exp(-1) + Math.exp(3)));
    assertEquals((l0 + l1) / 2, SegLoss.crossEntropy(logits, y).getFloat(), 1e-5,
        "the void pixel counts for nothing");
    assertEquals((2 * l0 + 0.5 * l1) / 2.5, SegLoss.crossEntropy(logits, y,
        new float[] {2f, 0.5f}).getFloat(), 1e-5, "PyTorch's weighted mean");
    assertEquals((2 * l0 + 0.5 * l1) / 2.5, SegLoss.of("ce", null).withClassWeights(
        new float[] {2f, 0.5f}).compute(logits, y).getFloat(), 1e-5);
    // Dice over the two labelled pixels only
    NDArray two = m.create(new float[] {1f, -1f, 0.2f, 3f}, new Shape(1, 2, 1, 2));
    NDArray twoY = m.create(new float[] {1f, 0f, 0f, 1f}, new Shape(1, 2, 1, 2));
    float expected = 0.5f * SegLoss.crossEntropy(two, twoY).getFloat()
        + 0.5f * SegLoss.dice(two.softmax(1), twoY).getFloat();
    assertEquals(expected, SegLoss.of("ce-dice", null).compute(logits, y).getFloat(), 1e-5);
    assertThrows(IllegalArgumentException.class,
        () -> SegLoss.of("combo", null).withClassWeights(new float[] {1, 2}));
    assertThrows(IllegalArgumentException.class,
        () -> SegLoss.crossEntropy(logits, y, new float[] {1f}));
  }

  @Test
  void lovaszSoftmaxByHand() {
    // 3 pixels, classes 0 and 1; p(class 1) = .9, .4, .2; truth class 1, 1, 0
    NDArray probs = m.create(new float[] {0.1f, 0.6f, 0.8f, 0.9f, 0.4f, 0.2f},
        new Shape(1, 2, 1, 3));
    NDArray y = m.create(new float[] {0f, 0f, 1f, 1f, 1f, 0f}, new Shape(1, 2, 1, 3));
    // class 1: errors .1 .6 .2 -> sorted .6(fg) .2(bg) .1(fg); Jaccard losses 1/2, 2/3, 1
    //   -> weights .5, 1/6, 1/3 -> .6*.5 + .2/6 + .1/3 = 0.36667
    // class 0: errors .1 .6 .2 -> sorted .6(bg) .2(fg) .1(bg); Jaccard losses 1/2, 1, 1
    //   -> weights .5, .5, 0 -> .3 + .1 = 0.4
    assertEquals((0.3 + 0.2 / 6 + 0.1 / 3 + 0.4) / 2, SegLoss.lovaszSoftmax(probs, y).getFloat(),
        1e-5);
    // a void pixel (no class) changes nothing
    NDArray probs4 = m.create(new float[] {0.1f, 0.6f, 0.8f, 0.5f, 0.9f, 0.4f, 0.2f, 0.5f},
        new Shape(1, 2, 1, 4));
    NDArray y4 = m.create(new float[] {0f, 0f, 1f, 0f, 1f, 1f, 0f, 0f}, new Shape(1, 2, 1, 4));
    assertEquals(SegLoss.lovaszSoftmax(probs, y).getFloat(),
        SegLoss.lovaszSoftmax(probs4, y4).getFloat(), 1e-6);
    // a perfect prediction costs nothing; gradients flow to the logits
    assertEquals(0f, SegLoss.lovaszSoftmax(y, y).getFloat(), 1e-7);
    NDArray logits = m.create(new float[] {0.3f, -0.2f, 1f, 0.1f, 0.4f, -1f},
        new Shape(1, 2, 1, 3));
    logits.setRequiresGradient(true);
    try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance()
        .newGradientCollector()) {
      gc.backward(SegLoss.of("ce-lovasz", null).compute(logits, y));
    }
    float[] grad = logits.getGradient().toFloatArray();
    assertTrue(java.util.stream.IntStream.range(0, grad.length)
        .anyMatch(i -> Math.abs(grad[i]) > 1e-4), java.util.Arrays.toString(grad));
  }

  private static Parameter param(float value, float grad) {
    Parameter p = Parameter.builder().setName("w").optShape(new Shape(2))
        .optInitializer(new ConstantInitializer(value)).build();
    p.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32);
    p.getArray().setRequiresGradient(true);
    // give it a gradient: d/dw (grad * sum(w)) = grad
    try (ai.djl.training.GradientCollector gc =
        ai.djl.engine.Engine.getEngine(Engines.PYTORCH).newGradientCollector()) {
      gc.backward(p.getArray().sum().mul(grad));
    }
    return p;
  }

  @Test
  void optimizerStepsByHand() {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      Parameter sgd = param(1f, 0.5f);
      new Optimizer(Optimizer.Kind.SGD, 0f, 0f).step(Map.of("w", sgd), 0.1f);
      assertArrayEquals(new float[] {0.95f, 0.95f}, sgd.getArray().toFloatArray(), 1e-6f);
      assertEquals(0f, sgd.getArray().getGradient().abs().sum().getFloat(), "gradient cleared");

      // Adam's first bias-corrected step moves by lr * sign(g)
      Parameter adam = param(1f, -3f);
      new Optimizer(Optimizer.Kind.ADAM, 0f, 0f).step(Map.of("w", adam), 0.01f);
      assertArrayEquals(new float[] {1.01f, 1.01f}, adam.getArray().toFloatArray(), 1e-5f);

      // AdamW: decoupled decay shrinks w by lr*wd before the Adam step
      Parameter adamw = param(2f, 1f);
      Optimizer o = new Optimizer(Optimizer.Kind.ADAMW, 0.1f, 0f);
      o.step(Map.of("w", adamw), 0.01f);
      assertArrayEquals(new float[] {2f * (1 - 0.001f) - 0.01f, 2f * (1 - 0.001f) - 0.01f},
          adamw.getArray().toFloatArray(), 1e-5f);
      assertEquals(1, o.steps());
      assertEquals(2, o.state().size(), "first and second moments");
      assertEquals(0f, adamw.getArray().getGradient().abs().sum().getFloat(), "gradient cleared");
    }
  }

  /** Five steps against torch.optim.Adam/AdamW's update written out in double precision. */
  @Test
  void adamFollowsPyTorchsUpdateOverSeveralSteps() {
    for (Optimizer.Kind kind : List.of(Optimizer.Kind.ADAM, Optimizer.Kind.ADAMW)) {
      try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
        Random rnd = new Random(3);
        float[] w0 = new float[6];
        for (int i = 0; i < w0.length; i++) {
          w0[i] = (float) rnd.nextGaussian();
        }
        Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
            .optArray(m.create(w0)).build();
        p.getArray().setRequiresGradient(true);
        double[] w = new double[w0.length];
        double[] mo = new double[w0.length];
        double[] v = new double[w0.length];
        for (int i = 0; i < w0.length; i++) {
          w[i] = w0[i];
        }
        float lr = 0.05f;
        float wd = 0.1f;
        Optimizer opt = new Optimizer(kind, wd, 0f);
        for (int t = 1; t <= 5; t++) {
          float[] gv = new float[w0.length];
          for (int i = 0; i < gv.length; i++) {
            gv[i] = (float) rnd.nextGaussian();
          }
          try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
            gc.backward(p.getArray().mul(m.create(gv)).sum()); // d/dw = gv
          }
          opt.step(Map.of("w", p), lr);
          for (int i = 0; i < w.length; i++) {
            double g = gv[i];
            if (kind == Optimizer.Kind.ADAM) {
              g += wd * w[i];
            } else {
              w[i] *= 1 - lr * wd;
            }
            mo[i] = 0.9 * mo[i] + 0.1 * g;
            v[i] = 0.999 * v[i] + 0.001 * g * g;
            double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
            w[i] -= lr / (1 - Math.pow(0.9, t)) * mo[i] / denom;
          }
          float[] got = p.getArray().toFloatArray();
          for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], got[i], 1e-5, kind + " step " + t + " element " + i);
          }
        }
      }
    }
  }

  @Test
  void schedules() {
    LrSchedule cos = new LrSchedule(LrSchedule.Kind.COSINE, 1f, 0f, 12, 0, 4, 2, 1, 0.5f, 1);
    assertEquals(1f, cos.lr(0), 1e-6);
    assertEquals(0.5f, cos.lr(2), 1e-6);
    assertEquals(1f, cos.lr(4), 1e-6, "warm restart after t0 = 4 epochs");
    assertEquals(0.5f, cos.lr(8), 1e-6, "second period is 8 epochs long");
    LrSchedule warm = new LrSchedule(LrSchedule.Kind.CONSTANT, 1f, 0f, 10, 3, 1, 1, 1, 0.5f, 1);
    assertEquals(0.25f, warm.lr(0), 1e-6);
    assertEquals(0.75f, warm.lr(2), 1e-6);
    assertEquals(1f, warm.lr(3), 1e-6);
    LrSchedule poly = new LrSchedule(LrSchedule.Kind.POLY, 1f, 0f, 10, 0, 1, 1, 1, 0.5f, 1);
    assertEquals(0.5f, poly.lr(5), 1e-6);
    LrSchedule plateau = new LrSchedule(LrSchedule.Kind.PLATEAU, 1f, 0.1f, 10, 0, 1, 1, 1, 0.5f,
        1);
    plateau.observe(0.5);
    plateau.observe(0.5);
    assertEquals(1f, plateau.lr(3), "one bad epoch is within patience");
    plateau.observe(0.4);
    assertEquals(0.5f, plateau.lr(4));
    LrSchedule copy = new LrSchedule(LrSchedule.Kind.PLATEAU, 1f, 0.1f, 10, 0, 1, 1, 1, 0.5f, 1);
    copy.restore(plateau.state());
    assertEquals(0.5f, copy.lr(5));
  }

  @Test
  void flipsKeepEveryMaskPixelOnItsImagePixel() {
    Random rnd = new Random(1);
    int h = 9;
    int w = 13;
    BinaryMask mask = new BinaryMask(h, w);
    byte[] px = new byte[h * w * 3];
    for (int r = 0; r < h; r++) {
      for (int c = 0; c < w; c++) {
        boolean on = rnd.nextBoolean();
        mask.set(r, c, on);
        byte v = (byte) (on ? 255 : rnd.nextInt(200));
        px[(r * w + c) * 3] = v;
        px[(r * w + c) * 3 + 1] = (byte) (r * 16 + c);
        px[(r * w + c) * 3 + 2] = v;
      }
    }
    TrainingSample s = new TrainingSample("s", new Image8(h, w, 3, px), new BinaryMask[] {mask});
    Augmenter aug = Augmenter.flips(0.5);
    int changed = 0;
    for (int i = 0; i < 16; i++) {
      TrainingSample t = aug.apply(s, 3, 0, i);
      changed += t == s ? 0 : 1;
      for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
          assertEquals(t.masks()[0].get(r, c), t.image().get(r, c, 0) == 255,
              "sample " + i + " pixel " + r + "," + c);
        }
      }
      assertEquals(t.image().data().length, px.length);
    }
    assertTrue(changed > 8, "most samples are flipped at p=0.5 per axis");
    assertEquals(aug.apply(s, 3, 2, 5).image(), aug.apply(s, 3, 2, 5).image(),
        "same seed, epoch and index: same result");
    assertNotEquals(0, changed);
  }
}
