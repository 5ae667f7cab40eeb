package io.sparkseg.jobs.ingest;

import io.sparkseg.core.rle.Rle;
import io.sparkseg.core.rle.RleException;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Validates each mask row's RLE against its image's real size (columns {@code height},
 * {@code width} from the join) and counts its pixels; appends {@code pixel_count} and fills
 * {@code reason}/{@code detail} for broken RLE. Rows already rejected pass through unchanged.
 */
final class RleValidator implements MapPartitionsFunction<Row, Row> {
  private final StructType inputSchema;

  RleValidator(StructType inputSchema) {
    this.inputSchema = inputSchema;
  }

  static StructType outputSchema(StructType input) {
    return input.add("pixel_count", DataTypes.LongType, true);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    int reasonIdx = inputSchema.fieldIndex("reason");
    int detailIdx = inputSchema.fieldIndex("detail");
    int rleIdx = inputSchema.fieldIndex("rle");
    int hIdx = inputSchema.fieldIndex("height");
    int wIdx = inputSchema.fieldIndex("width");
    int n = inputSchema.size();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        Row in = rows.next();
        Object[] out = new Object[n + 1];
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i);
        }
        if (in.isNullAt(reasonIdx) && !in.isNullAt(rleIdx)) {
          try {
            out[n] = Rle.pixelCount(in.getString(rleIdx), in.getInt(hIdx), in.getInt(wIdx));
          } catch (RleException e) {
            out[reasonIdx] = e.reason().code();
            out[detailIdx] = e.getMessage();
          }
        }
        return RowFactory.create(out);
      }
    };
  }
}
