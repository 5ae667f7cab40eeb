package io.sparkseg.jobs.train;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.image.ImageCodec;
import io.sparkseg.core.image.ImageDecodeException;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.train.SampleSource;
import io.sparkseg.core.train.TrainingSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Training samples streamed from the {@code tiles} table's Parquet data files inside a Spark
 * task (no SparkSession there), through the Hadoop FileSystem (local, s3a://, dbfs:/). A
 * background thread reads one row at a time, decodes the PNG and per-class RLE, and hands
 * samples over through a bounded queue. Training order: files shuffled per epoch, then rows
 * through a seeded shuffle buffer. Memory is bounded by the queue, the buffer and one Parquet
 * row group (the tile job writes small row groups), not by the table.
 */
public final class ParquetTileSource implements SampleSource {
  private static final Object END = new Object();
  private final List<String> files;
  private final Configuration conf;
  private final int classes;
  private final boolean shuffle;
  private final long seed;
  private final int queueCapacity;
  private final int shuffleBuffer;
  private long size = -1;

  public ParquetTileSource(List<String> files, Configuration conf, int classes, boolean shuffle,
      long seed, int queueCapacity, int shuffleBuffer) {
    this.files = List.copyOf(files);
    this.conf = conf;
    this.classes = classes;
    this.shuffle = shuffle;
    this.seed = seed;
    this.queueCapacity = queueCapacity;
    this.shuffleBuffer = shuffle ? Math.max(1, shuffleBuffer) : 1;
  }

  @Override
  public long size() {
    if (size < 0) {
      long n = 0;
      for (String f : files) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f),
            conf))) {
          for (BlockMetaData b : r.getFooter().getBlocks()) {
            n += b.getRowCount();
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the footer of " + f, e);
        }
      }
      size = n;
    }
    return size;
  }

  @Override
  public Iterator<TrainingSample> samples(int epoch) {
    BlockingQueue<Object> queue = new ArrayBlockingQueue<>(queueCapacity);
    Thread producer = new Thread(() -> produce(epoch, queue), "tiles-reader-" + epoch);
    producer.setDaemon(true);
    producer.start();
    return new Iterator<>() {
      private Object next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          try {
            next = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading tiles", e);
          }
        }
        if (next instanceof RuntimeException e) {
          throw e;
        }
        return next != END;
      }

      @Override
      public TrainingSample next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        TrainingSample s = (TrainingSample) next;
        next = null;
        return s;
      }
    };
  }

  private void produce(int epoch, BlockingQueue<Object> queue) {
    try {
      Random rnd = new Random(seed * 1_000_003L + epoch);
      List<String> order = new ArrayList<>(files);
      if (shuffle) {
        Collections.shuffle(order, rnd);
      }
      List<TrainingSample> buffer = new ArrayList<>(shuffleBuffer);
      for (String f : order) {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
            new Path(f)).withConf(conf).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            buffer.add(decode(g, f));
            if (buffer.size() >= shuffleBuffer) {
              queue.put(buffer.remove(shuffle ? rnd.nextInt(buffer.size()) : 0));
            }
          }
        }
      }
      while (!buffer.isEmpty()) {
        queue.put(buffer.remove(shuffle ? rnd.nextInt(buffer.size()) : 0));
      }
      queue.put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      try {
        queue.put(new IllegalStateException("reading tiles failed: " + e.getMessage(), e));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private TrainingSample decode(Group g, String file) {
    String id = g.getString("tile_id", 0);
    Image8 image;
    try {
      image = ImageCodec.decode(g.getBinary("content", 0).getBytes());
    } catch (ImageDecodeException e) {
      throw new IllegalStateException(file + ": tile " + id + ": " + e.getMessage(), e);
    }
    BinaryMask[] masks = new BinaryMask[classes];
    Group list = g.getGroup("mask_rle", 0);
    int n = list.getFieldRepetitionCount("list");
    for (int c = 0; c < Math.min(n, classes); c++) {
      String rle = list.getGroup("list", c).getString("element", 0);
      masks[c] = rle.isEmpty() ? null : Rle.decode(rle, image.height(), image.width());
    }
    return new TrainingSample(id, image, masks);
  }
}
