package io.sparkseg.core.image;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Image ids (file names) that every output can carry: submission CSV rows (no comma, quote or
 * line break: Kaggle's files are not quoted), overlay and mask file paths (no colon, which
 * Hadoop reads as a URI scheme, no slash or backslash), and no other control characters.
 * Ids that fail are set aside with reason {@code bad-image-id} before scoring, so one odd name
 * cannot break every later submission.
 */
public final class ImageIds {
  /** The characters an id must not contain, as a Java (and Spark {@code rlike}) regex. */
  public static final String FORBIDDEN = "[\\x00-\\x1F\\x7F,\":/\\\\]";
  /** File systems limit a name to 255 bytes; overlay and mask names add a suffix. */
  public static final int MAX_BYTES = 200;
  private static final Pattern PATTERN = Pattern.compile(FORBIDDEN);

  private ImageIds() {}

  /**
   * Why a relative-path id ({@code <sequence>/<frame>}, the multi-class families' outputs
   * mirror the input folders) cannot be used, or null: as {@link #problem} but '/' separates
   * folders; no empty, "." or ".." part.
   */
  public static String pathProblem(String id) {
    if (id == null || id.isEmpty()) {
      return "empty image id";
    }
    for (String part : id.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "image id '" + id + "' has an empty, '.' or '..' folder part";
      }
      String p = problem(part);
      if (p != null) {
        return p;
      }
    }
    return id.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES
        ? "image id longer than " + MAX_BYTES + " bytes" : null;
  }

  /** Why {@code id} cannot be used, or null when it can. */
  public static String problem(String id) {
    if (id == null || id.isEmpty()) {
      return "empty image id";
    }
    var m = PATTERN.matcher(id);
    if (m.find()) {
      char c = id.charAt(m.start());
      String what = c < 0x20 || c == 0x7F ? String.format("control character U+%04X", (int) c)
          : "'" + c + "'";
      return "image id contains " + what + ", which CSV rows and file paths cannot carry";
    }
    if (id.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "image id longer than " + MAX_BYTES + " bytes";
    }
    return null;
  }
}
