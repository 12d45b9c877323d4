#!/usr/bin/env python3
"""PyTorch side of `npm run bench`'s train section: the MobileNetV2-style proxy net of
app/train/nn.ts (mobileNetV2Proxy, width 16) trained on random images with SGD + momentum,
timed per step. Prints one JSON line: {"images_per_s", "step_ms", "threads", "torch"}.

Usage: bench-torch-train.py --threads N --batch B --resolution R --steps S --warmup W
"""
import argparse
import json
import time

import torch
from torch import nn


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, expansion, stride=1):
        super().__init__()
        hidden = cin * expansion
        layers = []
        if expansion != 1:
            layers.append(conv_bn(cin, hidden, 1))
        layers.append(conv_bn(hidden, hidden, 3, stride, groups=hidden))
        layers.append(conv_bn(hidden, cout, 1, act=False))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def proxy(channels, classes, width=16):
    w15, w2 = width * 3 // 2, width * 2
    return nn.Sequential(
        conv_bn(channels, width, 3),
        InvertedResidual(width, width, 1),
        InvertedResidual(width, w15, 6, 2),
        InvertedResidual(w15, w15, 6),
        InvertedResidual(w15, w2, 6, 2),
        InvertedResidual(w2, w2, 6),
        conv_bn(w2, width * 8, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width * 8, classes),
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--resolution', type=int, default=32)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = proxy(1, 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, 1, a.resolution, a.resolution)
    y = torch.arange(a.batch) % 10

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    best = float('inf')
    t_all = time.perf_counter()
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    mean = (time.perf_counter() - t_all) / a.steps
    print(json.dumps({'images_per_s': a.batch / mean, 'step_ms': mean * 1000, 'best_step_ms': best * 1000, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
