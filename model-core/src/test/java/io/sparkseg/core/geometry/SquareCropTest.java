package io.sparkseg.core.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkseg.core.image.Image8;
import io.sparkseg.core.mask.BinaryMask;
import org.junit.jupiter.api.Test;

class SquareCropTest {

  @Test
  void pointsRoundTrip() {
    SquareCrop c = new SquareCrop(900, 1200, 317, -40, 733, 512);
    for (double v : new double[] {0, 0.5, 100.25, 511, 512}) {
      assertEquals(v, c.toCropX(c.toPhotoX(v)), 1e-9);
      assertEquals(v, c.toCropY(c.toPhotoY(v)), 1e-9);
    }
    assertEquals(317, c.toPhotoX(0), 1e-12);
    assertEquals(317 + 733, c.toPhotoX(512), 1e-9);
  }

  @Test
  void masksRoundTripExactlyAtWholeScales() {
    BinaryMask photo = LetterboxTest.blob(300, 400, 11);
    // 1:1 window inside the photo
    SquareCrop same = new SquareCrop(300, 400, 50, 20, 256, 256);
    BinaryMask back = same.maskToPhoto(same.maskToCrop(photo));
    assertEquals(photo.crop(20, 50, 256, 256), back.crop(20, 50, 256, 256));
    assertEquals(0, back.count() - back.crop(20, 50, 256, 256).count(), "nothing outside");
    // enlarged x2 (side 128 -> 256): each photo pixel becomes 2x2 crop pixels and comes back
    SquareCrop up = new SquareCrop(300, 400, 100, 60, 128, 256);
    BinaryMask upBack = up.maskToPhoto(up.maskToCrop(photo));
    assertEquals(photo.crop(60, 100, 128, 128), upBack.crop(60, 100, 128, 128));
  }

  @Test
  void masksRoundTripCloselyWhenShrunk() {
    BinaryMask photo = LetterboxTest.blob(1500, 2000, 5);
    SquareCrop c = new SquareCrop(1500, 2000, 400, 100, 1300, 512);
    BinaryMask window = photo.crop(100, 400, 1300, 1300);
    BinaryMask back = c.maskToPhoto(c.maskToCrop(photo)).crop(100, 400, 1300, 1300);
    assertTrue(LetterboxTest.iou(window, back) > 0.98, "IoU " + LetterboxTest.iou(window, back));
  }

  @Test
  void windowsPastTheEdgeArePadded() {
    byte[] px = new byte[10 * 20];
    java.util.Arrays.fill(px, (byte) 200);
    Image8 photo = new Image8(10, 20, 1, px);
    SquareCrop c = new SquareCrop(10, 20, 15, -4, 8, 8); // cols 15..22, rows -4..3
    assertTrue(c.padded());
    Image8 crop = c.apply(photo);
    assertEquals(0, crop.get(0, 0, 0), "row -4 is padding");
    assertEquals(200, crop.get(4, 0, 0), "row 0, col 15");
    assertEquals(200, crop.get(7, 4, 0), "row 3, col 19");
    assertEquals(0, crop.get(7, 5, 0), "col 20 is padding");

    BinaryMask full = new BinaryMask(10, 20);
    full.fill(true);
    BinaryMask onCrop = c.maskToCrop(full);
    assertFalse(onCrop.get(0, 0));
    assertTrue(onCrop.get(4, 4));
    assertEquals(4 * 5, onCrop.count());
    assertEquals(4 * 5, c.maskToPhoto(onCrop).count(), "back: only the photo part");
  }

  @Test
  void probabilitiesMapBack() {
    SquareCrop c = new SquareCrop(100, 100, 10, 10, 40, 80);
    float[] map = new float[80 * 80];
    java.util.Arrays.fill(map, 0.75f);
    float[] photo = c.probabilitiesToPhoto(map);
    assertEquals(0.75f, photo[30 * 100 + 30], 1e-6);
    assertEquals(0f, photo[5 * 100 + 5], 0);
    assertEquals(0f, photo[50 * 100 + 50], 0, "col/row 50 is past the window");
  }

  @Test
  void aWindowOutsideThePhotoIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new SquareCrop(10, 10, 10, 0, 5, 5));
    assertThrows(IllegalArgumentException.class, () -> new SquareCrop(10, 10, -5, 0, 5, 5));
  }
}
