package io.sparkseg.core.quality;

/**
 * Every reason a record can be set aside; {@link #code()} is what the {@code quarantine} table's
 * {@code reason} column holds. One list for the whole project, so reports and docs agree.
 */
public enum QuarantineReason {
  /** The file has no bytes at all. */
  EMPTY_FILE("empty-file"),
  /** The file is not a JPEG or PNG at all. */
  NOT_AN_IMAGE("not-an-image"),
  /** A JPEG/PNG that is truncated or does not decode cleanly. */
  CORRUPT_IMAGE("corrupt-image"),
  /** A .zip/.tar archive of images that cannot be read to the end. */
  CORRUPT_ARCHIVE("corrupt-archive"),
  /** An archive entry that decompresses to more than predict.archive-entry-max-bytes. */
  ARCHIVE_ENTRY_TOO_LARGE("archive-entry-too-large"),
  /** An archive inside an archive: not expanded (extract it, or put it beside the others). */
  NESTED_ARCHIVE("nested-archive"),
  /** Decodes, but not at the configured height × width. */
  WRONG_SIZE("wrong-size"),
  /**
   * An image id (file name) that the outputs cannot carry: a comma, quote, colon, slash,
   * backslash or control character (CSV rows, overlay and mask paths), or empty.
   */
  BAD_IMAGE_ID("bad-image-id"),
  /**
   * Two files give the same image id (file name); the first readable one by path is kept, the
   * others are set aside.
   */
  DUPLICATE_IMAGE("duplicate-image"),
  /** A CSV row that does not have the layout's fields. */
  MALFORMED_ROW("malformed-row"),
  /** A class id that is not an integer in 1..classes. */
  CLASS_OUT_OF_RANGE("class-out-of-range"),
  /** A second row for the same (image, class); the first by line number is kept. */
  DUPLICATE_MASK("duplicate-mask"),
  /**
   * A CSV row whose image is not among the ingested images (absent or itself quarantined), or
   * a listed file that was gone when it was read.
   */
  MISSING_IMAGE("missing-image"),
  RLE_NOT_A_NUMBER("rle-not-a-number"),
  RLE_ODD_LENGTH("rle-odd-length"),
  RLE_NON_POSITIVE("rle-non-positive"),
  RLE_UNSORTED("rle-unsorted"),
  RLE_OVERLAPPING("rle-overlapping"),
  RLE_OUT_OF_RANGE("rle-out-of-range"),
  /** A Label Studio export (or one task of it) that is not the JSON structure expected. */
  MALFORMED_ANNOTATION("malformed-annotation"),
  /** A Label Studio result whose type is not brushlabels or polygonlabels. */
  UNKNOWN_RESULT_TYPE("unknown-result-type"),
  /** A Label Studio label that the configuration maps to no class. */
  UNKNOWN_LABEL("unknown-label"),
  /** A Label Studio brush RLE stream that ends before its pixel count is reached. */
  BRUSH_TRUNCATED("brush-truncated"),
  /** A Label Studio brush RLE whose pixel count is not width x height x 4 (or overruns it). */
  BRUSH_SIZE_MISMATCH("brush-size-mismatch"),
  /** A Label Studio polygon with fewer than 3 points. */
  POLYGON_TOO_FEW_POINTS("polygon-too-few-points"),
  /** The person detector found nobody and the run's fallback is quarantine. */
  NO_PERSON("no-person"),
  /** A photo that no task of the Label Studio export refers to (unlabelled, so not a negative). */
  NO_ANNOTATION("no-annotation"),
  /** A scene or mask-folder image with no label of the same sequence and name. */
  MISSING_LABEL("missing-label"),
  /** A label with no image of the same sequence and name. */
  ORPHAN_LABEL("orphan-label"),
  /** Two images (or labels) of one sequence with the same name and different extensions. */
  DUPLICATE_FRAME("duplicate-frame"),
  /** A label pixel whose colour is in no palette entry (or an index beyond the classes). */
  UNKNOWN_COLOUR("unknown-colour"),
  /** A label of another size than its image. */
  LABEL_SIZE_MISMATCH("label-size-mismatch"),
  /** A COCO annotation of a category the configuration maps to no class. */
  UNKNOWN_CATEGORY("unknown-category"),
  /** A COCO annotation whose polygon leaves the image or whose RLE is malformed. */
  BAD_ANNOTATION("bad-annotation");

  private final String code;

  QuarantineReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** The reason of a code. */
  public static QuarantineReason of(String code) {
    for (QuarantineReason r : values()) {
      if (r.code.equals(code)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no quarantine reason '" + code + "'");
  }
}
