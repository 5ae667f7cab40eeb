package io.sparkseg.jobs.train;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * How many CPU threads a fold trained on the CPU may use: the executor's cores shared among the
 * folds training in this JVM at the moment, never fewer than the cores Spark gave the task
 * ({@code spark.task.cpus}). libtorch's own default, one thread per core of the machine for every
 * fold, oversubscribes the cores when two folds train at once (measured on 2 cores: 12.0 img/s
 * per fold with its default against 13.7 with one thread each), and a fixed one thread each
 * wastes a core once the last fold trains alone (14.6 img/s against 18.2 with two). Asked again
 * before every epoch, so a fold picks up the cores a finished fold gave back.
 */
final class CpuShare implements AutoCloseable {
  private static final AtomicInteger RUNNING = new AtomicInteger();
  /** local, local[N], local[*], local[N, maxFailures] (group 2: N or *; null for plain local). */
  private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|\\d+)(,\\s*\\d+)?])?");

  private final int executorCores;
  private final int taskCpus;
  private boolean closed;

  /** Joins the folds training in this JVM until {@link #close}. */
  CpuShare(int executorCores, int taskCpus) {
    this.executorCores = Math.max(1, executorCores);
    this.taskCpus = Math.max(1, taskCpus);
    RUNNING.incrementAndGet();
  }

  /** Threads for this fold now. */
  int threads() {
    return threads(executorCores, taskCpus, Math.max(1, RUNNING.get()));
  }

  static int threads(int executorCores, int taskCpus, int running) {
    return Math.max(taskCpus, executorCores / Math.max(1, running));
  }

  /**
   * The cores of this executor: N of a {@code local[N]} master (the machine's for
   * {@code local[*]}), else {@code spark.executor.cores}, else the machine's.
   */
  static int executorCores(SparkConf conf, int machineCores) {
    Matcher m = LOCAL.matcher(conf.get("spark.master", "").trim());
    if (!m.matches()) {
      return conf.getInt("spark.executor.cores", machineCores);
    }
    String n = m.group(2);
    return n == null ? 1 : n.equals("*") ? machineCores : Integer.parseInt(n);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      RUNNING.decrementAndGet();
    }
  }
}
