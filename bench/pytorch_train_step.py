#!/usr/bin/env python3
"""Dev-only benchmark companion (never part of the product): the training step of
TrainStepBenchmark in PyTorch eager, for the DJL-vs-PyTorch ratio. Same model (smp's U-Net:
torchvision ResNet-34 encoder, decoder 256-128-64-32-16 with nearest upsampling, 3x3 head),
same loss (0.75 BCE with pos_weight + 0.25 soft Dice), AdamW; then inference (eval mode, no
gradients). DEVICE is cpu (default) or cuda; on a GPU each timed step ends with loss.item(),
as the Java side ends with a copy to the host.

    apt-get install python3-torch python3-torchvision
    python3 bench/pytorch_train_step.py BATCH HEIGHT WIDTH STEPS THREADS [DEVICE]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class Block(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class Unet(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        r = torchvision.models.resnet34()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu)
        self.pool = r.maxpool
        self.layers = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
        ins, skips, outs = [512, 256, 128, 64, 32], [256, 128, 64, 64, 0], [256, 128, 64, 32, 16]
        self.blocks = nn.ModuleList([Block(i, s, o) for i, s, o in zip(ins, skips, outs)])
        self.head = nn.Conv2d(16, classes, 3, padding=1)

    def forward(self, x):
        feats = [self.stem(x)]
        h = self.pool(feats[0])
        for layer in self.layers:
            h = layer(h)
            feats.append(h)
        x = feats[4]
        skips = [feats[3], feats[2], feats[1], feats[0], None]
        for block, skip in zip(self.blocks, skips):
            x = block(x, skip)
        return self.head(x)


def loss_fn(logits, y, pos_weight):
    bce = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
    p = torch.sigmoid(logits)
    dims = (0, 2, 3)
    inter = (p * y).sum(dims)
    card = (p + y).sum(dims)
    dice = (1 - 2 * inter / card.clamp_min(1e-7)) * (y.sum(dims) > 0).float()
    return 0.75 * bce + 0.25 * dice.mean()


def main(batch, h, w, steps, threads, device="cpu"):
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model = Unet().to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    pos_weight = torch.tensor([2.0, 2.0, 1.0, 1.5], device=device).view(1, 4, 1, 1)
    x = torch.randn(batch, 3, h, w, device=device)
    y = (torch.rand(batch, 4, h, w, device=device) > 0.9).float()
    times = []
    for step in range(3 + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y, pos_weight)
        loss.backward()
        opt.step()
        loss.item()
        if step >= 3:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print("pytorch: Unet(resnet34) batch %d x 3 x %d x %d, %d threads, %s: median %.1f ms/step "
          "(min %.1f) over %d steps, %.1f images/s; torch %s" % (
              batch, h, w, threads, device, med, min(times), steps, batch * 1000 / med,
              torch.__version__))
    model.eval()
    times = []
    with torch.no_grad():
        for step in range(3 + steps):
            t0 = time.perf_counter()
            model(x)[0, 0, 0, 0].item()
            if step >= 3:
                times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print("pytorch: inference batch %d, %s: median %.1f ms/batch, %.1f images/s" % (
        batch, device, med, batch * 1000 / med))


if __name__ == "__main__":
    a = [int(v) for v in sys.argv[1:6]]
    main(*a, *sys.argv[6:7])
