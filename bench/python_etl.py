#!/usr/bin/env python3
"""Reference ETL for `bench/run etl-commands` (dev only, not part of the product).

What the seed's Python ETL did per image, on one core: read the JPEG, decode its Kaggle RLE
masks (column-major, 1-based runs), cut tiles of the given width at the given stride (the last
one flush with the right edge), PNG-encode every image tile and its mask tile, write them.

usage: python_etl.py <data-dir> <tile-width> <stride> <out-dir> [limit]
prints: "python-etl: N images, T tiles, S s (one core)"
"""
import csv
import io
import os
import sys
import time

import numpy as np
from PIL import Image


def rle_decode(rle, height, width):
    flat = np.zeros(height * width, dtype=np.uint8)
    nums = [int(x) for x in rle.split()]
    for start, length in zip(nums[0::2], nums[1::2]):
        flat[start - 1:start - 1 + length] = 1
    return flat.reshape((width, height)).T  # Kaggle runs go down the columns


def tile_xs(width, tile, stride):
    xs = list(range(0, width - tile + 1, stride))
    if xs[-1] != width - tile:
        xs.append(width - tile)
    return xs


def main():
    data, tile, stride, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else None
    t0 = time.perf_counter()
    masks = {}
    with open(os.path.join(data, "train.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["EncodedPixels"]:
                masks.setdefault(row["ImageId"], []).append(
                    (int(row["ClassId"]), row["EncodedPixels"]))
    images = sorted(os.listdir(os.path.join(data, "train_images")))[:limit]
    os.makedirs(out, exist_ok=True)
    tiles = 0
    for name in images:
        img = np.asarray(Image.open(os.path.join(data, "train_images", name)).convert("RGB"))
        h, w = img.shape[:2]
        mask = np.zeros((h, w), dtype=np.uint8)
        for cls, rle in masks.get(name, []):
            mask[rle_decode(rle, h, w) > 0] = cls
        stem = os.path.splitext(name)[0]
        for i, x in enumerate(tile_xs(w, tile, stride)):
            for kind, arr in (("img", img[:, x:x + tile]), ("mask", mask[:, x:x + tile])):
                buf = io.BytesIO()
                Image.fromarray(arr).save(buf, format="PNG")
                with open(os.path.join(out, "%s_%d_%s.png" % (stem, i, kind)), "wb") as o:
                    o.write(buf.getvalue())
            tiles += 1
    print("python-etl: %d images, %d tiles, %.2f s (one core)"
          % (len(images), tiles, time.perf_counter() - t0))


if __name__ == "__main__":
    main()
