package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GroupNormTest {
  @Test
  void normalizesEachGroupOverItsChannelsAndPixels() {
    int n = 2;
    int c = 6;
    int h = 3;
    int w = 4;
    int groups = 3;
    float[] x = new float[n * c * h * w];
    Random rnd = new Random(2);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rnd.nextGaussian() * 3 + 1);
    }
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      GroupNorm gn = new GroupNorm(groups);
      gn.initialize(m, DataType.FLOAT32, new Shape(n, c, h, w));
      TorchWeights.parameters(gn).get("weight").getArray()
          .set(java.nio.FloatBuffer.wrap(new float[] {1, 2, 3, 4, 5, 6}));
      TorchWeights.parameters(gn).get("bias").getArray()
          .set(java.nio.FloatBuffer.wrap(new float[] {0, 1, 0, 1, 0, 1}));
      NDArray out = gn.forward(new ParameterStore(m, false),
          new NDList(m.create(x, new Shape(n, c, h, w))), false).singletonOrThrow();
      float[] y = out.toFloatArray();
      int per = c / groups * h * w;
      for (int b = 0; b < n; b++) {
        for (int g = 0; g < groups; g++) {
          int base = (b * c + g * (c / groups)) * h * w;
          double mean = 0;
          for (int i = 0; i < per; i++) {
            mean += x[base + i];
          }
          mean /= per;
          double var = 0;
          for (int i = 0; i < per; i++) {
            var += (x[base + i] - mean) * (x[base + i] - mean);
          }
          var /= per;
          for (int i = 0; i < per; i++) {
            int channel = g * (c / groups) + i / (h * w);
            double want = (x[base + i] - mean) / Math.sqrt(var + 1e-5) * (channel + 1)
                + (channel % 2);
            assertEquals(want, y[base + i], 1e-4, "batch " + b + " group " + g + " item " + i);
          }
        }
      }
    }
  }
}
