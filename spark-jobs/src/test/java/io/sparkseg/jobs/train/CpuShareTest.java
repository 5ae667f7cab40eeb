package io.sparkseg.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class CpuShareTest {
  @Test
  void theExecutorsCoresAreSharedAmongTheFoldsTrainingNowNeverBelowTheTasksCpus() {
    assertEquals(1, CpuShare.threads(2, 1, 2), "two folds on 2 cores: one thread each");
    assertEquals(2, CpuShare.threads(2, 1, 1), "the last fold alone takes both");
    assertEquals(1, CpuShare.threads(2, 1, 3));
    assertEquals(4, CpuShare.threads(8, 4, 3), "never below spark.task.cpus");
    assertEquals(5, CpuShare.threads(16, 1, 3));
  }

  @Test
  void theExecutorsCoresComeFromTheLocalMasterOrSparkExecutorCores() {
    assertEquals(2, CpuShare.executorCores(new SparkConf(false).set("spark.master", "local[2]"),
        16));
    assertEquals(3, CpuShare.executorCores(
        new SparkConf(false).set("spark.master", "local[3, 4]"), 16));
    assertEquals(16, CpuShare.executorCores(
        new SparkConf(false).set("spark.master", "local[*]"), 16));
    assertEquals(1, CpuShare.executorCores(new SparkConf(false).set("spark.master", "local"),
        16));
    assertEquals(6, CpuShare.executorCores(new SparkConf(false)
        .set("spark.master", "spark://m:7077").set("spark.executor.cores", "6"), 16));
    assertEquals(16, CpuShare.executorCores(new SparkConf(false)
        .set("spark.master", "local-cluster[1,2,1024]"), 16));
  }

  @Test
  void aFoldCountsAsTrainingUntilItIsClosedOnce() {
    try (CpuShare a = new CpuShare(4, 1)) {
      assertEquals(4, a.threads());
      try (CpuShare b = new CpuShare(4, 1)) {
        assertEquals(2, b.threads());
        assertEquals(2, a.threads());
        b.close(); // closing twice counts once
      }
      assertEquals(4, a.threads());
    }
  }
}
