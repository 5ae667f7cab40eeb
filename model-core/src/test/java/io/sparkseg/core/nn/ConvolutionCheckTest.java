package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU convolution check: its reference, its verdict and what it tells the user. */
class ConvolutionCheckTest {
  private static final ConvolutionCheck.Case CASE = new ConvolutionCheck.Case(2, 3, 2, 4, 5);

  @Test
  void theReferenceIsAThreeByThreeConvolutionWithZeroPadding() {
    // one input channel of ones, a kernel of ones: each output counts its in-image neighbours
    ConvolutionCheck.Case c = new ConvolutionCheck.Case(1, 1, 1, 3, 4);
    float[] x = new float[12];
    java.util.Arrays.fill(x, 1f);
    float[] w = new float[9];
    java.util.Arrays.fill(w, 1f);
    float[] expected = {4, 6, 6, 4, 6, 9, 9, 6, 4, 6, 6, 4};
    assertEquals(0, ConvolutionCheck.maxError(
        ConvolutionCheck.reference(c, x, w), expected), 1e-9);
    expected[5] = 8.5f;
    assertEquals(0.5, ConvolutionCheck.maxError(
        ConvolutionCheck.reference(c, x, w), expected), 1e-9);
    // a kernel that picks the left neighbour in the first of two channels
    ConvolutionCheck.Case two = new ConvolutionCheck.Case(1, 2, 1, 1, 3);
    float[] x2 = {1, 2, 3, 10, 20, 30};
    float[] w2 = new float[18];
    w2[3] = 1f; // channel 0, row 1, column 0: x[i][j-1]
    assertEquals(0, ConvolutionCheck.maxError(
        ConvolutionCheck.reference(two, x2, w2), new float[] {0, 1, 2}), 1e-9);
  }

  @Test
  void theInputGradientIsTheAdjointOfTheConvolution() {
    // <conv(x), r> = <x, conv^T(r)> for any x and r: the gradient of sum(conv(x) * r) in x
    Random rnd = new Random(3);
    ConvolutionCheck.Case c = new ConvolutionCheck.Case(ConvolutionCheck.Pass.INPUT_GRADIENT, 2,
        3, 4, 5, 6);
    float[] x = new float[2 * 3 * 5 * 6];
    float[] r = new float[2 * 4 * 5 * 6];
    float[] w = new float[4 * 3 * 9];
    for (float[] a : new float[][] {x, r, w}) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) rnd.nextGaussian();
      }
    }
    double[] y = ConvolutionCheck.reference(c, x, w);
    double[] dx = ConvolutionCheck.inputGradient(c, r, w);
    double left = 0;
    double right = 0;
    for (int i = 0; i < y.length; i++) {
      left += y[i] * r[i];
    }
    for (int i = 0; i < dx.length; i++) {
      right += x[i] * dx[i];
    }
    assertEquals(left, right, 1e-9 * Math.abs(left) + 1e-9);
    assertTrue(Math.abs(left) > 1, "not trivially zero: " + left);
  }

  @Test
  void aWrongOrMalformedResultFailsTheCheck() {
    Random r = new Random(1);
    float[] x = new float[CASE.batch() * CASE.in() * CASE.h() * CASE.w()];
    float[] w = new float[CASE.out() * CASE.in() * 9];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    double[] exact = ConvolutionCheck.reference(CASE, x, w);
    float[] right = new float[exact.length];
    for (int k = 0; k < right.length; k++) {
      right[k] = (float) exact[k];
    }
    assertTrue(ConvolutionCheck.maxError(
        ConvolutionCheck.reference(CASE, x, w), right) < 1e-5);
    float[] off = right.clone();
    off[11] += 0.25f;
    assertEquals(0.25, ConvolutionCheck.maxError(
        ConvolutionCheck.reference(CASE, x, w), off), 1e-5);
    assertTrue(Double.isNaN(ConvolutionCheck.maxError(
        ConvolutionCheck.reference(CASE, x, w), new float[3])), "wrong size");
    float[] nan = right.clone();
    nan[7] = Float.NaN;
    assertTrue(Double.isNaN(ConvolutionCheck.maxError(
        ConvolutionCheck.reference(CASE, x, w), nan)), "a NaN");
    assertFalse(new ConvolutionCheck.Result(CASE, Double.NaN).ok());
    assertFalse(new ConvolutionCheck.Result(CASE, 2e-3).ok());
    assertTrue(new ConvolutionCheck.Result(CASE, 2e-4).ok());
  }

  @Test
  void theMessageSaysWhatToSetAndWhereItIsAlreadySet() {
    assertNull(ConvolutionCheck.problem(new ConvolutionCheck.Result(CASE, 1e-5), "cpu", null));
    String p = ConvolutionCheck.problem(new ConvolutionCheck.Result(CASE, 4.2), "AMD EPYC", null);
    assertTrue(p.contains("AMD EPYC") && p.contains("3x3 convolution 3->2 channels on 2x4x5")
        && p.contains("off by 4.20") && p.contains("DNNL_MAX_CPU_ISA=AVX2")
        && p.contains("spark.executorEnv.DNNL_MAX_CPU_ISA="), p);
    String set = ConvolutionCheck.problem(new ConvolutionCheck.Result(CASE, 4.2), "x", "AVX2");
    assertTrue(set.contains("DNNL_MAX_CPU_ISA=AVX2 is set and does not help; try "
        + "DNNL_MAX_CPU_ISA=SSE41"), set);
  }

  @Test
  void libtorchsConvolutionIsRightOnThisMachineAsTheTestsRunIt() {
    // Engines.pytorch() ran the check already (and would have thrown); this shows its figures.
    // On a machine whose oneDNN AVX-512 kernels are wrong this fails unless DNNL_MAX_CPU_ISA is
    // set, as .ci/run and bin/sparkseg do there.
    ConvolutionCheck.Result r = ConvolutionCheck.run(Engines.pytorch());
    assertTrue(r.ok(), r + " (" + ConvolutionCheck.cpuModel() + ", DNNL_MAX_CPU_ISA="
        + System.getenv("DNNL_MAX_CPU_ISA") + ")");
  }
}
