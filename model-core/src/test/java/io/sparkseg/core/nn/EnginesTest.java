package io.sparkseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void saysWhatToSetWhenNoLibtorchIsAtHand(@TempDir Path dir) throws Exception {
    assertNull(Engines.libtorchProblem(null, null, true), "the full jar carries libtorch");
    String none = Engines.libtorchProblem(null, " ", false);
    assertTrue(none.contains("sparkseg-app-thin.jar") && none.contains("PYTORCH_LIBRARY_PATH")
        && none.contains("PYTORCH_FLAVOR=cpu or cu128"), none);
    String empty = Engines.libtorchProblem(dir.toString(), null, false);
    assertTrue(empty.contains("PYTORCH_LIBRARY_PATH=" + dir + " holds no libtorch.so"), empty);
    Files.createFile(dir.resolve("libtorch.so"));
    assertNull(Engines.libtorchProblem("/nowhere:" + dir, null, false));
    assertNull(Engines.libtorchProblem(null, dir.resolve("libtorch.so").toString(), false));
  }
}
