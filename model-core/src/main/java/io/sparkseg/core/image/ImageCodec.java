package io.sparkseg.core.image;

import io.sparkseg.core.quality.QuarantineReason;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Decodes and encodes JPEG and PNG with the JDK's ImageIO, strictly: a truncated file, a file
 * whose decoder warns, or bytes that are no known image format are rejected with a reason
 * rather than decoded to a partly grey picture.
 */
public final class ImageCodec {
  static {
    ImageIO.setUseCache(false); // no temp files on executors
  }

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private ImageCodec() {}

  /** Decodes fully (so truncation is caught) and reports format and size. */
  public static ImageInfo inspect(byte[] encoded) throws ImageDecodeException {
    Decoded d = decodeInternal(encoded);
    return new ImageInfo(d.format, d.image.height(), d.image.width(), d.image.channels());
  }

  /** Decodes to 1-channel grey or 3-channel RGB. */
  public static Image8 decode(byte[] encoded) throws ImageDecodeException {
    return decodeInternal(encoded).image;
  }

  private record Decoded(String format, Image8 image) {}

  private static Decoded decodeInternal(byte[] encoded) throws ImageDecodeException {
    BufferedImage[] img = new BufferedImage[1];
    String format = read(encoded, img);
    return new Decoded(format, toImage8(img[0]));
  }

  /**
   * A label PNG's class indices as a 1-channel image: the palette index of each pixel of a
   * palette (indexed-colour) PNG, as Pascal VOC's masks are, or the grey value of a grey PNG.
   * Colour (RGB) images and JPEGs are refused: they hold colours, not indices.
   */
  public static Image8 decodeIndices(byte[] encoded) throws ImageDecodeException {
    BufferedImage[] out = new BufferedImage[1];
    String format = read(encoded, out);
    BufferedImage img = out[0];
    boolean indexed = img.getColorModel() instanceof java.awt.image.IndexColorModel;
    if (!format.equals("png") || !(indexed || img.getType() == BufferedImage.TYPE_BYTE_GRAY)) {
      throw new ImageDecodeException(QuarantineReason.NOT_AN_IMAGE, "a class-index mask must "
          + "be a grey or palette PNG, this is a " + (indexed ? "palette " : "colour ") + format);
    }
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] idx = new byte[h * w];
    java.awt.image.Raster r = img.getRaster();
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      r.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        idx[y * w + x] = (byte) row[x];
      }
    }
    return new Image8(h, w, 1, idx);
  }

  /** Reads {@code encoded} into {@code out[0]} strictly; returns the format. */
  private static String read(byte[] encoded, BufferedImage[] out) throws ImageDecodeException {
    if (encoded.length == 0) {
      throw new ImageDecodeException(QuarantineReason.EMPTY_FILE, "the file is empty (0 bytes)");
    }
    String format = sniff(encoded);
    if (format == null) {
      throw new ImageDecodeException(QuarantineReason.NOT_AN_IMAGE,
          "not a JPEG or PNG (" + encoded.length + " bytes, starts with " + hexPrefix(encoded)
              + ")");
    }
    checkComplete(format, encoded);
    List<String> warnings = new ArrayList<>();
    BufferedImage img;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
      Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
      if (!readers.hasNext()) {
        throw new ImageDecodeException(QuarantineReason.NOT_AN_IMAGE,
            "no decoder for " + format);
      }
      ImageReader reader = readers.next();
      try {
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        reader.setInput(in, true, true);
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(QuarantineReason.CORRUPT_IMAGE,
          format + " does not decode: " + e.getMessage(), e);
    }
    if (!warnings.isEmpty()) {
      throw new ImageDecodeException(QuarantineReason.CORRUPT_IMAGE,
          format + " decoder warned: " + String.join("; ", warnings));
    }
    out[0] = img;
    return format;
  }

  /** "jpeg", "png" or null. */
  static String sniff(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
      return "jpeg";
    }
    if (startsWith(b, PNG_SIGNATURE, 0)) {
      return "png";
    }
    return null;
  }

  /** PNG's IEND chunk: length 0, type, CRC (always the same). */
  private static final byte[] PNG_IEND_CHUNK = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE,
      0x42, 0x60, (byte) 0x82};

  /**
   * The file must contain its end marker: a JPEG's EOI after its last start-of-scan, a PNG's
   * IEND chunk. Bytes after the marker (padding, appended data some cameras and tools write)
   * are allowed, as every decoder ignores them.
   */
  private static void checkComplete(String format, byte[] b) throws ImageDecodeException {
    boolean complete;
    if (format.equals("jpeg")) {
      // the last SOS (FF DA): entropy-coded data stuffs FF as FF 00, so markers are real;
      // an EOI (FF D9) must follow it (an EXIF thumbnail's own EOI comes before)
      int sos = lastIndexOf(b, (byte) 0xFF, (byte) 0xDA, b.length);
      complete = sos >= 0 && indexOf(b, (byte) 0xFF, (byte) 0xD9, sos + 2) >= 0;
    } else {
      complete = indexOf(b, PNG_IEND_CHUNK) >= 0;
    }
    if (!complete) {
      throw new ImageDecodeException(QuarantineReason.CORRUPT_IMAGE,
          format + " is truncated: no end marker (" + b.length + " bytes)");
    }
  }

  private static int lastIndexOf(byte[] b, byte first, byte second, int before) {
    for (int i = Math.min(before, b.length) - 2; i >= 0; i--) {
      if (b[i] == first && b[i + 1] == second) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] b, byte first, byte second, int from) {
    for (int i = Math.max(0, from); i + 1 < b.length; i++) {
      if (b[i] == first && b[i + 1] == second) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] b, byte[] pattern) {
    for (int i = b.length - pattern.length; i >= 0; i--) {
      if (startsWith(b, pattern, i)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(byte[] b, byte[] prefix, int at) {
    if (at < 0 || b.length < at + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hexPrefix(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, b.length); i++) {
      sb.append(String.format("%02x", b[i] & 0xFF));
    }
    return sb.length() == 0 ? "nothing" : sb.toString();
  }

  static Image8 toImage8(BufferedImage img) {
    int h = img.getHeight();
    int w = img.getWidth();
    if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      byte[] src = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      return new Image8(h, w, 1, src.clone());
    }
    if (img.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      byte[] src = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      byte[] rgb = new byte[src.length];
      for (int i = 0; i < src.length; i += 3) {
        rgb[i] = src[i + 2];
        rgb[i + 1] = src[i + 1];
        rgb[i + 2] = src[i];
      }
      return new Image8(h, w, 3, rgb);
    }
    byte[] rgb = new byte[h * w * 3];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = row[x];
        int o = (y * w + x) * 3;
        rgb[o] = (byte) (p >> 16);
        rgb[o + 1] = (byte) (p >> 8);
        rgb[o + 2] = (byte) p;
      }
    }
    return new Image8(h, w, 3, rgb);
  }

  static BufferedImage toBufferedImage(Image8 image) {
    int h = image.height();
    int w = image.width();
    if (image.channels() == 1) {
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
      byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      System.arraycopy(image.data(), 0, dst, 0, dst.length);
      return img;
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    byte[] src = image.data();
    for (int i = 0; i < src.length; i += 3) {
      dst[i] = src[i + 2];
      dst[i + 1] = src[i + 1];
      dst[i + 2] = src[i];
    }
    return img;
  }

  /** Lossless PNG. */
  public static byte[] encodePng(Image8 image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(toBufferedImage(image), "png", out)) {
        throw new IllegalStateException("no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Baseline JPEG at {@code quality} in (0, 1]. */
  public static byte[] encodeJpeg(Image8 image, float quality) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.write(null, new IIOImage(toBufferedImage(image), null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
