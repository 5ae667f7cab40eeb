package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class EnginesTest {
  @Test
  void pytorchStartsOfflineFromTheJarNatives() {
    Engine engine = Engines.pytorch();
    assertEquals("PyTorch", engine.getEngineName());
    assertEquals(System.getProperty("sparkseg.pytorch.version", "2.7.1"), engine.getVersion(),
        "the libtorch of this build's profile");
    assertEquals("true", System.getProperty("ai.djl.offline"));
    try (NDManager m = engine.newBaseManager(Device.cpu())) {
      NDArray a = m.create(new float[] {1, 2, 3});
      assertEquals(14f, a.mul(a).sum().getFloat(), 1e-6);
    }
  }

  @Test
  void gpuAddressesMapToDevices() {
    assertEquals(Device.cpu(), Engines.device(null));
    assertEquals(Device.gpu(1), Engines.device(" 1"));
  }
}
