package io.sparkseg.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SparkSessionsTest {
  @Test
  void theConsoleProgressBarOnlyForLocalRunsOnATerminal() {
    assertTrue(SparkSessions.consoleProgress("local[2]", true, false));
    assertTrue(SparkSessions.consoleProgress("local-cluster[1,2,1024]", true, false));
    assertFalse(SparkSessions.consoleProgress("local[2]", false, false), "output to a file or log");
    assertFalse(SparkSessions.consoleProgress("yarn", true, false), "a cluster's driver");
    assertFalse(SparkSessions.consoleProgress("spark://m:7077", true, false));
    assertFalse(SparkSessions.consoleProgress("local[2]", true, true), "set explicitly");
    assertFalse(SparkSessions.consoleProgress(null, true, false));
  }
}
