#!/usr/bin/env python3
"""Dev-only: writes the TorchScript twin of ../shared/fixtures/yolo-seg-format-constant.onnx.

The product never runs Python. This script made
model-core/src/test/resources/fixtures/yolo-seg-format-constant.torchscript, which is committed
(a few KB: the outputs are computed in forward(), not stored), so that the TorchScript path of
YoloSegModel (DJL's PyTorch engine) is tested against the same fixed detections as the ONNX
fixture (its table is in ../shared/fixtures/README.md):

  anchor 1234: cx 320, cy 330, w 200, h 500, class 0 (person) 0.90, coefficient 0 = 1
  anchor 1235: cx 326, cy 336, w 190, h 480, class 0 0.30, coefficient 0 = 1 (NMS removes it)
  anchor 5000: cx 560, cy 560, w 120, h 80,  class 2 (car) 0.80, coefficient 1 = 1
  anchor 6000: cx 100, cy 100, w 40,  h 40,  class 0 0.10, coefficient 0 = 1 (below 0.25)

Prototype 0 is +5 inside a head disc (x 80, y 30, radius 12) and a torso ellipse (80, 90; radii
24 x 50) and -5 outside; prototype 1 is +5 inside an ellipse at (140, 140), radii 15 x 10.
Like an ultralytics `yolo export format=torchscript` of a -seg model, forward() takes `images`
[1, 3, 640, 640] and returns (output0 [1, 116, 8400], output1 [1, 32, 160, 160]).

  apt-get install python3-torch   # Debian's build; files it writes load in libtorch 2.x
  /usr/bin/python3 model-core/src/test/scripts/make-yolo-torchscript.py OUT.torchscript
"""
import sys

import torch


class ConstantYoloSeg(torch.nn.Module):
    def forward(self, images: torch.Tensor):
        n = images.shape[0]
        out = torch.zeros(n, 116, 8400, dtype=torch.float32)
        rows = [
            (1234, 320.0, 330.0, 200.0, 500.0, 0, 0.90, 0),
            (1235, 326.0, 336.0, 190.0, 480.0, 0, 0.30, 0),
            (5000, 560.0, 560.0, 120.0, 80.0, 2, 0.80, 1),
            (6000, 100.0, 100.0, 40.0, 40.0, 0, 0.10, 0),
        ]
        for anchor, cx, cy, w, h, cls, score, coef in rows:
            out[:, 0, anchor] = cx
            out[:, 1, anchor] = cy
            out[:, 2, anchor] = w
            out[:, 3, anchor] = h
            out[:, 4 + cls, anchor] = score
            out[:, 84 + coef, anchor] = 1.0
        ys = torch.arange(160, dtype=torch.float32).view(160, 1).expand(160, 160)
        xs = torch.arange(160, dtype=torch.float32).view(1, 160).expand(160, 160)
        head = ((xs - 80.0) ** 2 + (ys - 30.0) ** 2) <= 12.0 ** 2
        torso = ((xs - 80.0) / 24.0) ** 2 + ((ys - 90.0) / 50.0) ** 2 <= 1.0
        car = ((xs - 140.0) / 15.0) ** 2 + ((ys - 140.0) / 10.0) ** 2 <= 1.0
        five = torch.full((160, 160), 5.0)
        protos = torch.zeros(n, 32, 160, 160, dtype=torch.float32)
        protos[:, 0] = torch.where(head | torso, five, -five)
        protos[:, 1] = torch.where(car, five, -five)
        return out, protos


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make-yolo-torchscript.py OUT.torchscript")
    scripted = torch.jit.script(ConstantYoloSeg().eval())
    scripted.save(sys.argv[1])
    o0, o1 = scripted(torch.zeros(1, 3, 640, 640))
    print(sys.argv[1], tuple(o0.shape), tuple(o1.shape), "torch", torch.__version__)


if __name__ == "__main__":
    main()
