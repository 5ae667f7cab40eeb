package io.sparkseg.core.train;

import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.ArrayList;
import java.util.Collections;

/**
 * Where training samples come from, one pass at a time. A training source decides the order of
 * each pass from (seed, epoch), so a resumed run sees the same order. Implementations: in
 * memory (below), and the Spark side's Parquet stream.
 */
public interface SampleSource {
  /** The samples of pass {@code epoch}. */
  Iterator<TrainingSample> samples(int epoch);

  /** Number of samples per pass, or -1 if unknown. */
  long size();

  /** A list, shuffled per epoch with {@code seed} (or in list order when not shuffling). */
  static SampleSource of(List<TrainingSample> samples, boolean shuffle, long seed) {
    List<TrainingSample> copy = List.copyOf(samples);
    return new SampleSource() {
      @Override
      public Iterator<TrainingSample> samples(int epoch) {
        if (!shuffle) {
          return copy.iterator();
        }
        List<TrainingSample> order = new ArrayList<>(copy);
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        return order.iterator();
      }

      @Override
      public long size() {
        return copy.size();
      }
    };
  }
}
