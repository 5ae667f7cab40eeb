#!/usr/bin/env python3
"""Dev-only fixture tool (never part of the product): random-init torchvision ResNet-18 and
MobileNetV2 weights and the feature maps torchvision computes from them, for the encoder tests.

    sudo apt-get install python3-torch python3-torchvision   # Debian's, no pip needed
    python3 model-core/src/test/python/make_encoder_fixtures.py model-core/src/test/resources/fixtures

Writes, under resnet18/ and mobilenet_v2/:
  weights.safetensors   the full torchvision state dict (classifier and num_batches_tracked
                        included, as a real torchvision checkpoint has them), float tensors as
                        F16 to keep the committed files small; the model computes with exactly
                        these values
  expected.safetensors  F32: `input` [2,3,64,96] and `stage1`..`stage5`, the encoder outputs at
                        strides 2, 4, 8, 16, 32 (smp's stages)
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


def randomize_batchnorm(model):
    # non-trivial statistics so a mis-mapped parameter shows; scales keep activations O(1) so
    # float32 rounding stays far below the 1e-4 tolerance
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.3, 0.7)
            m.bias.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.num_batches_tracked.fill_(17)


def halve(model):
    """The state dict with float tensors as F16, loaded back so the model computes with them."""
    state = model.state_dict()
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in half.items()})
    return half


def resnet18_stages(model, x):
    s1 = model.relu(model.bn1(model.conv1(x)))
    s2 = model.layer1(model.maxpool(s1))
    s3 = model.layer2(s2)
    s4 = model.layer3(s3)
    s5 = model.layer4(s4)
    return [s1, s2, s3, s4, s5]


def mobilenet_v2_stages(model, x):
    f = model.features
    out = []
    for part in (f[:2], f[2:4], f[4:7], f[7:14], f[14:]):  # smp's MobileNetV2Encoder stages
        x = part(x)
        out.append(x)
    return out


def write(out, name, model, stages_fn, meta):
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        randomize_batchnorm(model)
        half = halve(model)
    model.eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        stages = stages_fn(model, x)
    write_safetensors(d / "weights.safetensors", half, meta)
    tensors = {"input": x}
    tensors.update({"stage%d" % (i + 1): t for i, t in enumerate(stages)})
    write_safetensors(d / "expected.safetensors", tensors, meta)
    for i, t in enumerate(stages):
        print(name, "stage%d" % (i + 1), tuple(t.shape), "max |x| = %.3f" % t.abs().max().item())


def main(out_dir):
    out = Path(out_dir)
    meta = {"source": "torchvision " + torchvision.__version__ + ", torch " + torch.__version__,
            "seed": "20261121"}
    torch.manual_seed(20261121)
    write(out, "resnet18", torchvision.models.resnet18(), resnet18_stages, meta)
    torch.manual_seed(20261122)
    write(out, "mobilenet_v2", torchvision.models.mobilenet_v2(), mobilenet_v2_stages, meta)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "model-core/src/test/resources/fixtures")
