package io.sparkseg.jobs;

import io.sparkseg.jobs.io.TableStore;
import java.io.PrintStream;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What a job did: named counts, and reconciliations that prove nothing was lost (records in =
 * the sum of their outcomes, quarantine included). Printed at the end of the job and appended
 * to the {@code job_runs} table. A reconciliation that does not add up fails the job.
 */
public final class JobReport {
  /** Records in, and where each one went. */
  public record Reconciliation(String what, long in, Map<String, Long> outcomes) {
    public long accounted() {
      return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }

    public boolean holds() {
      return accounted() == in;
    }

    @Override
    public String toString() {
      return what + ": " + in + " in = " + outcomes.entrySet().stream()
          .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(" + "))
          + (holds() ? "  (reconciled)" : "  (MISMATCH: " + accounted() + " accounted for)");
    }
  }

  private final String job;
  private final String runId;
  private final Instant startedAt = Instant.now();
  private final Map<String, Long> counts = new LinkedHashMap<>();
  private final List<Reconciliation> reconciliations = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();

  public JobReport(String job, String runId) {
    this.job = job;
    this.runId = runId;
  }

  /** A fresh run id: UTC time and a random suffix, e.g. {@code 20261121T101500Z-3f9a1c}. */
  public static String newRunId() {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
        .withZone(ZoneOffset.UTC).format(Instant.now())
        + String.format(Locale.ROOT, "-%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  public String job() {
    return job;
  }

  public String runId() {
    return runId;
  }

  public JobReport count(String name, long value) {
    counts.put(name, value);
    return this;
  }

  public long count(String name) {
    Long v = counts.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no count '" + name + "' in " + counts.keySet());
    }
    return v;
  }

  /**
   * Records set aside by reason, from the {@code quarantined.[<what>.]<reason>} counts every
   * job keeps (reasons are the last part).
   */
  public Map<String, Long> quarantinedByReason() {
    Map<String, Long> out = new java.util.TreeMap<>();
    counts.forEach((k, v) -> {
      if (k.startsWith("quarantined.")) {
        out.merge(k.substring(k.lastIndexOf('.') + 1), v, Long::sum);
      }
    });
    return out;
  }

  /** One line: "quarantined inputs: 3 (corrupt-image 1, wrong-size 2)" or "... none". */
  public static String quarantineSummary(java.util.Collection<Map<String, Long>> byReason) {
    Map<String, Long> total = new java.util.TreeMap<>();
    byReason.forEach(m -> m.forEach((k, v) -> total.merge(k, v, Long::sum)));
    long n = total.values().stream().mapToLong(Long::longValue).sum();
    if (n == 0) {
      return "quarantined inputs: none";
    }
    return "quarantined inputs: " + n + " (" + total.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
        + "; see the quarantine table)";
  }

  public Map<String, Long> counts() {
    return Map.copyOf(counts);
  }

  /** Adds a free-form line (a per-fold table, say) to the printed report. */
  public JobReport line(String text) {
    lines.add(text);
    return this;
  }

  public List<Reconciliation> reconciliations() {
    return List.copyOf(reconciliations);
  }

  /** Records a reconciliation; its outcomes are also kept as counts. */
  public JobReport reconcile(String what, long in, Map<String, Long> outcomes) {
    Reconciliation r = new Reconciliation(what, in, new LinkedHashMap<>(outcomes));
    reconciliations.add(r);
    return this;
  }

  /** Outcomes in the order given: {@code outcomes("written", 5L, "quarantined", 1L)}. */
  public static Map<String, Long> outcomes(Object... nameThenCount) {
    if (nameThenCount.length % 2 != 0) {
      throw new IllegalArgumentException("outcomes come in name, count pairs");
    }
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenCount.length; i += 2) {
      m.put((String) nameThenCount[i], ((Number) nameThenCount[i + 1]).longValue());
    }
    return m;
  }

  public boolean reconciled() {
    return reconciliations.stream().allMatch(Reconciliation::holds);
  }

  public void print(PrintStream out) {
    // the job's own time: from its report's creation (the Spark session exists) to now
    out.printf(Locale.ROOT, "== %s (run %s, %.1f s)%n", job, runId,
        java.time.Duration.between(startedAt, Instant.now()).toMillis() / 1000.0);
    counts.forEach((k, v) -> out.printf(Locale.ROOT, "   %-28s %,d%n", k, v));
    reconciliations.forEach(r -> out.println("   " + r));
    lines.forEach(l -> out.println("   " + l));
  }

  private static final StructType SCHEMA = new StructType()
      .add("job", DataTypes.StringType, false)
      .add("run_id", DataTypes.StringType, false)
      .add("started_at", DataTypes.TimestampType, false)
      .add("finished_at", DataTypes.TimestampType, false)
      .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
      .add("reconciled", DataTypes.BooleanType, false);

  /**
   * Prints the report, appends it to {@code job_runs}, and fails if a reconciliation does not
   * hold (after recording it, so the evidence stays).
   */
  public JobReport finish(SparkSession spark, TableStore store, PrintStream out) {
    print(out);
    Row row = RowFactory.create(job, runId, Timestamp.from(startedAt), Timestamp.from(Instant.now()),
        new LinkedHashMap<>(counts), reconciled());
    store.append(TableStore.JOB_RUNS, spark.createDataFrame(List.of(row), SCHEMA));
    if (!reconciled()) {
      throw new IllegalStateException(job + " lost records: " + reconciliations.stream()
          .filter(r -> !r.holds()).map(Reconciliation::toString).collect(Collectors.joining("; ")));
    }
    return this;
  }
}
