package io.sparkseg.jobs.ingest;

import io.sparkseg.core.severstal.TrainCsv;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/** One {@code train.csv} data line (with its 0-based index in the file) to a parsed row. */
final class CsvRowParser implements Function<Tuple2<String, Long>, Row> {
  static final StructType SCHEMA = new StructType()
      .add("source_path", DataTypes.StringType, false)
      .add("line", DataTypes.LongType, false)
      .add("raw", DataTypes.StringType, false)
      .add("kind", DataTypes.StringType, false)
      .add("image_id", DataTypes.StringType, true)
      .add("class_id", DataTypes.IntegerType, true)
      .add("rle", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private final String sourcePath;
  private final TrainCsv.Layout layout;
  private final int classes;

  CsvRowParser(String sourcePath, TrainCsv.Layout layout, int classes) {
    this.sourcePath = sourcePath;
    this.layout = layout;
    this.classes = classes;
  }

  @Override
  public Row call(Tuple2<String, Long> lineAndIndex) {
    String raw = lineAndIndex._1();
    TrainCsv.Row r = TrainCsv.parse(layout, raw, classes);
    return RowFactory.create(sourcePath, lineAndIndex._2() + 1, raw, r.kind().name(), r.imageId(),
        r.classId(), r.rle(), r.reason() == null ? null : r.reason().code(), r.detail());
  }
}
