package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.config.SparksegConfig;
import io.sparkseg.jobs.io.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.sparkseg.core.demo.DevicePhotoGenerator;
import io.sparkseg.jobs.crop.SmartCropJob;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Jobs with input and output on {@code s3a://}, against a real S3-compatible server: S3Proxy in
 * its own JVM on 127.0.0.1 (transient in-memory backend), shared by the tests: ingest → folds →
 * tile (Severstal) and smart-crop (person photos, annotations and the detector model on S3).
 */
class S3IngestIT {
  private static final String KEY = "sparkseg-access";
  private static final String SECRET = "sparkseg-secret";
  private static final String BUCKET = "sparkseg-it";
  private static ExternalProcess s3proxy;
  private static String endpoint;
  private static S3Client s3;

  @BeforeAll
  static void startS3(@TempDir Path tmp) throws Exception {
    Path jar = Path.of(System.getProperty("sparkseg.it.tools", "target/it-tools"), "s3proxy.jar");
    assertTrue(Files.isRegularFile(jar), "S3Proxy jar missing (mvn verify copies it): " + jar);
    int port = ExternalProcess.freePort();
    endpoint = "http://127.0.0.1:" + port;
    Path props = tmp.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n",
        "s3proxy.endpoint=" + endpoint,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + KEY,
        "s3proxy.credential=" + SECRET,
        "jclouds.provider=transient",
        "jclouds.identity=" + KEY,
        "jclouds.credential=" + SECRET, ""));
    s3proxy = ExternalProcess.java("s3proxy", tmp.resolve("logs"), Map.of(),
        List.of("-Xmx512m", "-jar", jar.toString(), "--properties", props.toString()));
    s3proxy.await("listening on " + port, Duration.ofSeconds(60),
        () -> ExternalProcess.listening(port));
    s3 = S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(KEY, SECRET)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (s3proxy != null) {
      s3proxy.close();
    }
  }

  /** Uploads every file under {@code dir} to {@code prefix/<relative path>}. */
  private static void upload(Path dir, String prefix) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String key = prefix + "/" + dir.relativize(f).toString().replace('\\', '/');
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromFile(f));
      }
    }
  }

  /** The s3a settings that reach S3Proxy. */
  private static void s3aSettings(Map<String, String> overrides) {
    overrides.put("spark.hadoop.fs.s3a.endpoint", endpoint);
    overrides.put("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
    overrides.put("spark.hadoop.fs.s3a.path.style.access", "true");
    overrides.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    overrides.put("spark.hadoop.fs.s3a.access.key", KEY);
    overrides.put("spark.hadoop.fs.s3a.secret.key", SECRET);
    overrides.put("spark.hadoop.fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
  }

  private static List<String> keys(String prefix) {
    return s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
        .bucket(BUCKET).prefix(prefix).build()).contents().stream()
        .map(o -> o.key()).toList();
  }

  @Test
  void etlReadsAndWritesS3(@TempDir Path tmp) throws Exception {
    // demo data, generated locally and uploaded with the AWS SDK
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("demo.train-images", "8");
    overrides.put("demo.test-images", "1");
    SparksegConfig local = SparkTestSupport.config(tmp.resolve("local"), overrides);
    Pipeline.generateDemo(local, System.out);
    Path data = Path.of(local.data().dir());
    upload(data, "kaggle");

    overrides.put("work-dir", "s3a://" + BUCKET + "/work");
    overrides.put("data.dir", "s3a://" + BUCKET + "/kaggle");
    s3aSettings(overrides);
    SparksegConfig cfg = SparkTestSupport.config(tmp.resolve("unused"), overrides);
    assertEquals("s3a://" + BUCKET + "/work/tables", cfg.tables().dir());
    assertEquals("s3a://" + BUCKET + "/kaggle/train_images", cfg.data().trainImages());

    SparkSession spark = SparkTestSupport.spark(cfg);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    List<JobReport> reports = Pipeline.etl(spark, cfg,
        new PrintStream(printed, true, StandardCharsets.UTF_8));
    System.out.print(printed.toString(StandardCharsets.UTF_8));
    reports.forEach(r -> assertTrue(r.reconciled(), r.job()));

    TableStore store = new TableStore(spark, cfg.tables());
    assertEquals(8, store.read(TableStore.IMAGES).count());
    long csvRows = Files.readAllLines(data.resolve("train.csv")).size() - 1;
    assertEquals(csvRows, store.read(TableStore.MASKS).count());
    assertEquals(48, store.read(TableStore.TILES).count());
    assertTrue(store.read(TableStore.IMAGES).first().<String>getAs("source_path")
        .startsWith("s3a://" + BUCKET + "/kaggle/train_images/"));
    // the tables really are objects in the bucket, with Delta logs
    List<String> keys = keys("work/tables/");
    assertTrue(keys.stream().anyMatch(k -> k.startsWith("work/tables/tiles/_delta_log/")),
        keys.toString());
    assertTrue(keys.stream().anyMatch(k -> k.startsWith("work/tables/tiles/fold=0/")),
        keys.toString());
  }

  @Test
  void smartCropReadsPhotosAnnotationsAndTheDetectorFromS3(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("people");
    new DevicePhotoGenerator(4, 0, 5, null).write(data);
    upload(data, "people");
    // the committed TorchScript twin of the YOLO-seg fixture: a person in every photo
    Path model = Path.of("../model-core/src/test/resources/fixtures/"
        + "yolo-seg-format-constant.torchscript");
    assertTrue(Files.isRegularFile(model), model.toAbsolutePath().toString());
    s3.putObject(b -> b.bucket(BUCKET).key("models/person.torchscript"),
        RequestBody.fromFile(model));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("detector.kind", "yolo-seg");
    o.put("detector.model", "s3a://" + BUCKET + "/models/person.torchscript");
    o.put("work-dir", "s3a://" + BUCKET + "/photo-work");
    o.put("data.dir", "s3a://" + BUCKET + "/people");
    s3aSettings(o);
    // the photo settings of SmartCropJobTest (96x96 crops), on S3
    SparksegConfig cfg = io.sparkseg.jobs.crop.SmartCropJobTest.config(tmp.resolve("unused"), o);
    SparkSession spark = SparkTestSupport.spark(cfg);

    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    JobReport report = SmartCropJob.run(spark, cfg, new PrintStream(buf, true));
    String out = buf.toString(StandardCharsets.UTF_8);
    System.out.print(out);
    assertTrue(report.reconciled(), out);
    assertTrue(out.contains("photos: 4 in = 4 cropped + 0 unchanged + 0 quarantined"), out);

    TableStore store = new TableStore(spark, cfg.tables());
    List<Row> crops = store.read(TableStore.CROPS).collectAsList();
    assertEquals(4, crops.size());
    for (Row r : crops) {
      assertEquals("yolo-seg:person.torchscript", r.getAs("detector"));
      assertTrue(r.isNullAt(r.fieldIndex("fallback")), "the fixture finds a person in every photo");
      assertEquals(0.9f, ((Number) r.getAs("detector_score")).floatValue(), 1e-6);
      assertTrue(r.<String>getAs("source_path").startsWith("s3a://" + BUCKET + "/people/photos/"),
          (String) r.getAs("source_path"));
    }
    assertTrue(keys("photo-work/tables/crops/_delta_log/").size() > 0);

    // incremental on S3 too
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    SmartCropJob.run(spark, cfg, new PrintStream(again, true));
    assertTrue(again.toString(StandardCharsets.UTF_8)
        .contains("photos: 4 in = 0 cropped + 4 unchanged + 0 quarantined"), again.toString());
  }
}
