#!/usr/bin/env python3
"""Dev-only fixture tool (never part of the product): random-init torchvision ResNet-18
weights and the feature maps torchvision computes from them, for ResNetEncoderTest.

    sudo apt-get install python3-torch python3-torchvision   # Debian's, no pip needed
    python3 model-core/src/test/python/make_resnet_fixture.py model-core/src/test/resources/fixtures/resnet18

Writes
  weights.safetensors   the full torchvision state dict (fc and num_batches_tracked included,
                        as a real torchvision checkpoint has them), float tensors as F16 to keep
                        the committed file small; the model computes with exactly these values
  expected.safetensors  F32: `input` [2,3,64,96] and `stage1`..`stage5`, the encoder outputs
                        (relu after bn1 at /2, layer1 at /4, layer2 /8, layer3 /16, layer4 /32)
Writes safetensors by hand: Debian has no python3-safetensors.
"""
import json
import struct
import sys
from pathlib import Path

import torch
import torchvision

DTYPES = {torch.float16: "F16", torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes()  # little-endian on x86-64
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261121)
    model = torchvision.models.resnet18()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                # non-trivial statistics so a mis-mapped parameter shows; scales keep
                # activations O(1) so float32 rounding stays far below the 1e-4 tolerance
                m.weight.uniform_(0.3, 0.7)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(17)
        state = model.state_dict()
        half = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in half.items()})
    model.eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        s1 = model.relu(model.bn1(model.conv1(x)))
        s2 = model.layer1(model.maxpool(s1))
        s3 = model.layer2(s2)
        s4 = model.layer3(s3)
        s5 = model.layer4(s4)
    meta = {"source": "torchvision " + torchvision.__version__ + ", torch " + torch.__version__,
            "seed": "20261121"}
    write_safetensors(out / "weights.safetensors", half, meta)
    write_safetensors(out / "expected.safetensors",
                      {"input": x, "stage1": s1, "stage2": s2, "stage3": s3, "stage4": s4,
                       "stage5": s5}, meta)
    for name, t in [("stage1", s1), ("stage2", s2), ("stage3", s3), ("stage4", s4), ("stage5", s5)]:
        print(name, tuple(t.shape), "max |x| = %.3f" % t.abs().max().item())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "model-core/src/test/resources/fixtures/resnet18")
