package io.sparkseg.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.quality.QuarantineReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageCodecTest {
  private static Image8 noise(int h, int w, int channels, long seed) {
    byte[] px = new byte[h * w * channels];
    new Random(seed).nextBytes(px);
    return new Image8(h, w, channels, px);
  }

  @Test
  void pngIsLosslessForGreyAndRgb() throws Exception {
    for (int ch : new int[] {1, 3}) {
      Image8 img = noise(17, 23, ch, ch);
      Image8 back = ImageCodec.decode(ImageCodec.encodePng(img));
      assertEquals(ch, back.channels());
      assertArrayEquals(img.data(), back.data());
      ImageInfo info = ImageCodec.inspect(ImageCodec.encodePng(img));
      assertEquals(new ImageInfo("png", 17, 23, ch), info);
    }
  }

  @Test
  void jpegKeepsSizeAndGreyStaysGrey() throws Exception {
    byte[] grey = new byte[64 * 80 * 3];
    for (int i = 0; i < grey.length; i += 3) {
      grey[i] = grey[i + 1] = grey[i + 2] = (byte) (i / 3 % 200);
    }
    byte[] jpeg = ImageCodec.encodeJpeg(new Image8(64, 80, 3, grey), 0.95f);
    ImageInfo info = ImageCodec.inspect(jpeg);
    assertEquals("jpeg", info.format());
    assertEquals(64, info.height());
    assertEquals(80, info.width());
    assertTrue(ImageCodec.decode(jpeg).isGrey());
  }

  @Test
  void truncatedJpegIsCorrupt() {
    byte[] jpeg = ImageCodec.encodeJpeg(noise(64, 64, 3, 1), 0.9f);
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
    ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageCodec.inspect(cut));
    assertEquals(QuarantineReason.CORRUPT_IMAGE, e.reason());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void jpegWithGarbledBodyIsCorrupt() {
    byte[] jpeg = ImageCodec.encodeJpeg(noise(64, 64, 3, 2), 0.9f);
    byte[] bad = jpeg.clone();
    for (int i = bad.length / 3; i < bad.length - 2; i++) {
      bad[i] = (byte) 0xFF; // markers everywhere, but the EOI is intact
    }
    ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageCodec.inspect(bad));
    assertEquals(QuarantineReason.CORRUPT_IMAGE, e.reason());
  }

  @Test
  void truncatedPngIsCorrupt() {
    byte[] png = ImageCodec.encodePng(noise(32, 32, 1, 3));
    byte[] cut = Arrays.copyOf(png, png.length - 20);
    ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageCodec.inspect(cut));
    assertEquals(QuarantineReason.CORRUPT_IMAGE, e.reason());
  }

  @Test
  void bytesAfterTheEndMarkerAreAllowed() throws Exception {
    Image8 img = noise(24, 20, 3, 5);
    byte[] jpeg = ImageCodec.encodeJpeg(img, 0.9f);
    byte[] png = ImageCodec.encodePng(img);
    byte[] trailer = "appended by a camera: FFD8 nonsense \u0000\u0001".getBytes(
        StandardCharsets.UTF_8);
    for (byte[] file : new byte[][] {jpeg, png}) {
      byte[] longer = Arrays.copyOf(file, file.length + trailer.length);
      System.arraycopy(trailer, 0, longer, file.length, trailer.length);
      assertEquals(ImageCodec.inspect(file), ImageCodec.inspect(longer));
      assertArrayEquals(ImageCodec.decode(file).data(), ImageCodec.decode(longer).data());
    }
    // the end marker cut away (and other bytes in its place) is still truncation
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length - 200 + trailer.length);
    System.arraycopy(trailer, 0, cut, jpeg.length - 200, trailer.length);
    ImageDecodeException e = assertThrows(ImageDecodeException.class,
        () -> ImageCodec.inspect(cut));
    assertEquals(QuarantineReason.CORRUPT_IMAGE, e.reason());
    byte[] pngCut = Arrays.copyOf(png, png.length - 12 + trailer.length);
    System.arraycopy(trailer, 0, pngCut, png.length - 12, trailer.length);
    assertThrows(ImageDecodeException.class, () -> ImageCodec.inspect(pngCut));
  }

  @Test
  void textIsNotAnImageAndNothingIsAnEmptyFile() {
    byte[] text = "ImageId,ClassId\n".getBytes(StandardCharsets.UTF_8);
    ImageDecodeException e = assertThrows(ImageDecodeException.class,
        () -> ImageCodec.inspect(text));
    assertEquals(QuarantineReason.NOT_AN_IMAGE, e.reason());
    e = assertThrows(ImageDecodeException.class, () -> ImageCodec.inspect(new byte[0]));
    assertEquals(QuarantineReason.EMPTY_FILE, e.reason());
  }

  @Test
  void cropAndFirstChannel() {
    Image8 img = noise(10, 12, 3, 4);
    Image8 c = img.crop(2, 3, 4, 5);
    for (int r = 0; r < 4; r++) {
      for (int x = 0; x < 5; x++) {
        for (int ch = 0; ch < 3; ch++) {
          assertEquals(img.get(r + 2, x + 3, ch), c.get(r, x, ch));
        }
      }
    }
    Image8 g = img.firstChannel();
    assertEquals(1, g.channels());
    assertEquals(img.get(9, 11, 0), g.get(9, 11, 0));
    assertThrows(IllegalArgumentException.class, () -> img.crop(8, 0, 4, 4));
  }
}
