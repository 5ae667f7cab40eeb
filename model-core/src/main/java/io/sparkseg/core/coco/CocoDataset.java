package io.sparkseg.core.coco;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.sparkseg.core.labelstudio.Polygons;
import io.sparkseg.core.mask.BinaryMask;
import io.sparkseg.core.scene.ClassMap;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A COCO instances file ({@code instances*.json}): images, categories and annotations whose
 * segmentation is polygons, an uncompressed RLE ({@code {"counts": [..], "size": [h, w]}}) or a
 * compressed one ({@code "counts": "..."}). {@link #classMap} paints one image's annotations into
 * a semantic {@link ClassMap} (category → class by the given mapping; crowd regions ignored or
 * kept as their class; where annotations overlap, the one with the larger id wins);
 * {@link #mask} gives each annotation's own mask. A bad annotation (unknown category,
 * polygon outside the image, malformed RLE, size that is not the image's) is a
 * {@link Problem} naming the file and the annotation, and its image is not usable.
 */
public final class CocoDataset {
  public record Image(long id, String fileName, int height, int width) {}

  public record Category(long id, String name) {}

  /** One annotation; {@code segmentation} is kept as JSON and decoded per image. */
  public record Annotation(long id, long imageId, long categoryId, boolean crowd,
      JsonElement segmentation) {}

  /** Why an image cannot be used, naming the annotation. */
  public record Problem(long imageId, String reason, String detail) {}

  /** The file as a whole is not a COCO instances file. */
  public static final class CocoException extends IllegalArgumentException {
    CocoException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final String source;
  private final Map<Long, Image> images = new LinkedHashMap<>();
  private final Map<Long, Category> categories = new LinkedHashMap<>();
  private final Map<Long, List<Annotation>> annotations = new LinkedHashMap<>();

  private CocoDataset(String source) {
    this.source = source;
  }

  /** Reads a COCO instances file; {@code source} names it in errors. */
  public static CocoDataset read(Reader in, String source) {
    CocoDataset d = new CocoDataset(source);
    try {
      JsonObject root = JsonParser.parseReader(in).getAsJsonObject();
      for (JsonElement e : array(root, "images")) {
        JsonObject o = e.getAsJsonObject();
        Image img = new Image(o.get("id").getAsLong(), o.get("file_name").getAsString(),
            o.get("height").getAsInt(), o.get("width").getAsInt());
        d.images.put(img.id(), img);
      }
      for (JsonElement e : array(root, "categories")) {
        JsonObject o = e.getAsJsonObject();
        d.categories.put(o.get("id").getAsLong(), new Category(o.get("id").getAsLong(),
            o.get("name").getAsString()));
      }
      for (JsonElement e : array(root, "annotations")) {
        JsonObject o = e.getAsJsonObject();
        Annotation a = new Annotation(o.get("id").getAsLong(), o.get("image_id").getAsLong(),
            o.get("category_id").getAsLong(),
            o.has("iscrowd") && o.get("iscrowd").getAsInt() == 1, o.get("segmentation"));
        d.annotations.computeIfAbsent(a.imageId(), k -> new ArrayList<>()).add(a);
      }
    } catch (JsonParseException | IllegalStateException | NullPointerException
        | UnsupportedOperationException | ClassCastException e) {
      throw new CocoException(source + ": not a COCO instances file: " + e.getMessage(), e);
    }
    for (List<Annotation> list : d.annotations.values()) {
      list.sort(Comparator.comparingLong(Annotation::id));
    }
    return d;
  }

  private static JsonArray array(JsonObject root, String key) {
    JsonElement e = root.get(key);
    if (e == null || !e.isJsonArray()) {
      throw new IllegalStateException("no '" + key + "' list");
    }
    return e.getAsJsonArray();
  }

  public List<Image> images() {
    return List.copyOf(images.values());
  }

  public List<Category> categories() {
    return List.copyOf(categories.values());
  }

  /** Annotations of image {@code id}, by annotation id. */
  public List<Annotation> annotationsOf(long id) {
    return annotations.getOrDefault(id, List.of());
  }

  /** Annotations whose image is not in the file. */
  public List<Annotation> orphanAnnotations() {
    List<Annotation> out = new ArrayList<>();
    annotations.forEach((img, list) -> {
      if (!images.containsKey(img)) {
        out.addAll(list);
      }
    });
    return out;
  }

  /** The mask of one annotation on its image; fails naming the annotation. */
  public BinaryMask mask(Image img, Annotation a) {
    String where = source + ": annotation " + a.id() + " of image " + img.fileName();
    JsonElement seg = a.segmentation();
    int h = img.height();
    int w = img.width();
    try {
      if (seg == null || seg.isJsonNull()) {
        throw new IllegalArgumentException("no segmentation");
      }
      if (seg.isJsonArray()) {
        BinaryMask m = new BinaryMask(h, w);
        for (JsonElement polygon : seg.getAsJsonArray()) {
          JsonArray xy = polygon.getAsJsonArray();
          if (xy.size() < 6 || xy.size() % 2 != 0) {
            throw new IllegalArgumentException("a polygon needs at least 3 (x, y) points, got "
                + xy.size() + " numbers");
          }
          double[] xs = new double[xy.size() / 2];
          double[] ys = new double[xy.size() / 2];
          for (int i = 0; i < xs.length; i++) {
            xs[i] = xy.get(2 * i).getAsDouble();
            ys[i] = xy.get(2 * i + 1).getAsDouble();
            if (xs[i] < 0 || ys[i] < 0 || xs[i] > w || ys[i] > h) {
              throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                  "polygon point (%.1f, %.1f) is outside the %dx%d image", xs[i], ys[i], w, h));
            }
          }
          BinaryMask part = Polygons.fill(xs, ys, h, w);
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              if (part.get(y, x)) {
                m.set(y, x, true);
              }
            }
          }
        }
        return m;
      }
      JsonObject rle = seg.getAsJsonObject();
      JsonArray size = rle.getAsJsonArray("size");
      if (size == null || size.get(0).getAsInt() != h || size.get(1).getAsInt() != w) {
        throw new IllegalArgumentException("RLE size " + size + " is not the image's [" + h
            + ", " + w + "]");
      }
      JsonElement counts = rle.get("counts");
      long[] c;
      if (counts.isJsonPrimitive()) {
        c = CocoRle.decodeString(counts.getAsString());
      } else {
        JsonArray arr = counts.getAsJsonArray();
        c = new long[arr.size()];
        for (int i = 0; i < c.length; i++) {
          c[i] = arr.get(i).getAsLong();
        }
      }
      return CocoRle.decode(c, h, w);
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
        | NullPointerException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * The semantic class map of {@code img}: background (pixels no annotation covers) is class
   * {@code classOfCategory.get("background")} when the mapping has it, else ignored; each
   * annotation is painted with its category's class, crowd ones as {@link ClassMap#IGNORE} when
   * {@code crowdIgnored}. Problems go to {@code problems} and make the result null.
   */
  public ClassMap classMap(Image img, Map<String, Integer> classOfCategory,
      boolean crowdIgnored, List<Problem> problems) {
    int n = img.height() * img.width();
    byte[] out = new byte[n];
    Integer background = classOfCategory.get("background");
    java.util.Arrays.fill(out, (byte) (background == null ? ClassMap.IGNORE : background));
    boolean ok = true;
    for (Annotation a : annotationsOf(img.id())) {
      Category cat = categories.get(a.categoryId());
      Integer cls = cat == null ? null : classOfCategory.get(cat.name());
      if (cls == null) {
        problems.add(new Problem(img.id(), "unknown-category", source + ": annotation " + a.id()
            + " of image " + img.fileName() + " has category " + (cat == null
                ? "id " + a.categoryId() + " (not in the file's categories)"
                : "'" + cat.name() + "'") + ", which maps to no class " + classOfCategory
                .keySet()));
        ok = false;
        continue;
      }
      BinaryMask m;
      try {
        m = mask(img, a);
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(img.id(), "bad-annotation", e.getMessage()));
        ok = false;
        continue;
      }
      byte value = (byte) (a.crowd() && crowdIgnored ? ClassMap.IGNORE : cls);
      byte[] on = m.toRowMajor();
      for (int p = 0; p < n; p++) {
        if (on[p] != 0) {
          out[p] = value;
        }
      }
    }
    return ok ? new ClassMap(img.height(), img.width(), out) : null;
  }

  /**
   * A COCO file holding only {@code img}, every category and the image's annotations: what an
   * executor needs to paint one image (a compact JSON string instead of the whole file).
   */
  public String toJson(Image img) {
    JsonObject root = new JsonObject();
    JsonArray imgs = new JsonArray();
    JsonObject o = new JsonObject();
    o.addProperty("id", img.id());
    o.addProperty("file_name", img.fileName());
    o.addProperty("height", img.height());
    o.addProperty("width", img.width());
    imgs.add(o);
    root.add("images", imgs);
    JsonArray cats = new JsonArray();
    for (Category c : categories.values()) {
      JsonObject co = new JsonObject();
      co.addProperty("id", c.id());
      co.addProperty("name", c.name());
      cats.add(co);
    }
    root.add("categories", cats);
    JsonArray anns = new JsonArray();
    for (Annotation a : annotationsOf(img.id())) {
      JsonObject ao = new JsonObject();
      ao.addProperty("id", a.id());
      ao.addProperty("image_id", a.imageId());
      ao.addProperty("category_id", a.categoryId());
      ao.addProperty("iscrowd", a.crowd() ? 1 : 0);
      ao.add("segmentation", a.segmentation());
      anns.add(ao);
    }
    root.add("annotations", anns);
    return root.toString();
  }
}
