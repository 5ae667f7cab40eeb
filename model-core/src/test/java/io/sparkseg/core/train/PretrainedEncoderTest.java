package io.sparkseg.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkseg.core.nn.Engines;
import io.sparkseg.core.nn.ModelIo;
import io.sparkseg.core.nn.ModelSpec;
import io.sparkseg.core.nn.SafeTensors;
import io.sparkseg.core.nn.SegmentationModel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fold starts from pretrained encoder weights in either format ModelIo reads. */
class PretrainedEncoderTest {
  private static final ModelSpec SPEC = new ModelSpec(ModelSpec.Architecture.UNET, "resnet18",
      new int[] {16, 16, 8, 8, 8}, 4, ModelSpec.Activation.SIGMOID);

  private static byte[] fixture() throws Exception {
    try (InputStream in = PretrainedEncoderTest.class.getResourceAsStream(
        "/fixtures/resnet18/weights.safetensors")) {
      return in.readAllBytes();
    }
  }

  @Test
  void safetensorsAndDjlParamsBothStartTheEncoder(@TempDir Path dir) throws Exception {
    byte[] safetensors = fixture();
    float[] conv1 = SafeTensors.read(new java.io.ByteArrayInputStream(safetensors), "fixture")
        .floats("conv1.weight");
    byte[] params;
    try (NDManager m = Engines.pytorch().newBaseManager(Device.cpu())) {
      SegmentationModel model = SegmentationModel.build(SPEC);
      model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
      ModelIo.loadEncoder(model, SafeTensors.read(new java.io.ByteArrayInputStream(safetensors),
          "fixture"), "fixture");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ModelIo.writeEncoderParams(model, out);
      params = out.toByteArray();
    }
    List<TrainingSample> data = TrainingData.samples("train", 4, 64, 128, 9);
    // lr ~ 0: after one epoch the encoder's convolutions still hold the loaded values
    TrainOptions o = TrainOptions.builder().epochs(1).batchSize(4).lr(1e-12f).warmupEpochs(0)
        .cosineT0(1).build();
    for (String name : new String[] {"resnet18.safetensors", "resnet18.params"}) {
      byte[] bytes = name.endsWith(".params") ? params : safetensors;
      Path run = Files.createDirectories(dir.resolve(name));
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      new FoldTrainer(SPEC, o, new LocalCheckpointStore(run), Device.cpu(),
          new PrintStream(log, true, StandardCharsets.UTF_8))
          .encoderWeights(() -> new java.io.ByteArrayInputStream(bytes), name)
          .fit(SampleSource.of(data, true, 1), SampleSource.of(data, false, 0), null);
      assertTrue(log.toString(StandardCharsets.UTF_8)
          .contains("loaded pretrained encoder weights from " + name), log.toString());
      try (InputStream in = Files.newInputStream(run.resolve("checkpoint-0001.safetensors"))) {
        assertArrayEquals(conv1, SafeTensors.read(in, name).floats("model.encoder.conv1.weight"),
            1e-6f, name);
      }
    }
  }
}
