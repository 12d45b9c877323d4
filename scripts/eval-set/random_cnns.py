#!/usr/bin/env python3
"""Seeded generator of random CNNs (PyTorch modules exported to ONNX) for judging the bench's
latency predictions on networks it never profiled.

Each network is a stem, two to five stages of one to four blocks, and a classifier head
(global average pool and a linear layer). Blocks are drawn from plain conv-bn-act,
depthwise-separable, inverted residual, residual basic block and concatenated two-branch
convs, optionally with squeeze-and-excitation; kernels, activations, widths, strides and the
input resolution are drawn too. A draw whose MACs fall outside the wanted range is redrawn.

Usage: random_cnns.py --count N --seed S [--out DIR] [--min-macs M] [--max-macs M] [--force]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from evalset_common import DEFAULT_OUT, base_entry, count_macs, human, is_done, write_network

GENERATOR = 'random_cnns.py'
FAMILY = 'random-cnn'
RESOLUTIONS = (96, 128, 160, 192, 224)
KERNELS = (1, 3, 5, 7)
KERNEL_WEIGHTS = (1, 5, 3, 2)
ACTIVATIONS = ('relu', 'relu6', 'hardswish', 'silu')
BLOCK_KINDS = ('plain', 'dwsep', 'inverted', 'basic', 'concat')
CLASSES = (10, 100, 1000)
MAX_DRAWS = 2000


@dataclass
class BlockSpec:
    kind: str
    cout: int
    kernel: int
    stride: int
    act: str
    se: bool = False
    expansion: int = 1
    kernel2: int = 0
    gate: str = 'sigmoid'


@dataclass
class NetSpec:
    resolution: int
    stem_cout: int
    stem_kernel: int
    stem_stride: int
    stem_act: str
    stem_pool: bool
    stages: list[list[BlockSpec]] = field(default_factory=list)
    head_channels: int = 0
    head_act: str = 'relu'
    classes: int = 1000


# ---------------------------------------------------------------- modules


def make_act(name: str) -> nn.Module:
    return {'relu': nn.ReLU, 'relu6': nn.ReLU6, 'hardswish': nn.Hardswish, 'silu': nn.SiLU}[name]()


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, act: str | None = None) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if act:
        layers.append(make_act(act))
    return nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, gate: str) -> None:
        super().__init__()
        squeezed = max(8, channels // 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.act = nn.ReLU()
        self.expand = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Hardsigmoid() if gate == 'hardsigmoid' else nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


def maybe_se(b: BlockSpec, channels: int) -> nn.Module:
    return SqueezeExcite(channels, b.gate) if b.se else nn.Identity()


class Plain(nn.Module):
    def __init__(self, cin: int, b: BlockSpec) -> None:
        super().__init__()
        self.conv = conv_bn(cin, b.cout, b.kernel, b.stride, act=b.act)
        self.se = maybe_se(b, b.cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.se(self.conv(x))


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin: int, b: BlockSpec) -> None:
        super().__init__()
        self.dw = conv_bn(cin, cin, b.kernel, b.stride, groups=cin, act=b.act)
        self.se = maybe_se(b, cin)
        self.pw = conv_bn(cin, b.cout, 1, act=b.act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(self.se(self.dw(x)))


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, b: BlockSpec) -> None:
        super().__init__()
        hidden = cin * b.expansion
        self.expand = conv_bn(cin, hidden, 1, act=b.act)
        self.dw = conv_bn(hidden, hidden, b.kernel, b.stride, groups=hidden, act=b.act)
        self.se = maybe_se(b, hidden)
        self.project = conv_bn(hidden, b.cout, 1)
        self.residual = b.stride == 1 and cin == b.cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.se(self.dw(self.expand(x))))
        return x + y if self.residual else y


class BasicResidual(nn.Module):
    def __init__(self, cin: int, b: BlockSpec) -> None:
        super().__init__()
        self.conv1 = conv_bn(cin, b.cout, b.kernel, b.stride, act=b.act)
        self.conv2 = conv_bn(b.cout, b.cout, b.kernel)
        self.se = maybe_se(b, b.cout)
        identity = b.stride == 1 and cin == b.cout
        self.shortcut = nn.Identity() if identity else conv_bn(cin, b.cout, 1, b.stride)
        self.act = make_act(b.act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.se(self.conv2(self.conv1(x))) + self.shortcut(x))


class ConcatBranch(nn.Module):
    def __init__(self, cin: int, b: BlockSpec) -> None:
        super().__init__()
        half = b.cout // 2
        self.left = conv_bn(cin, half, b.kernel, b.stride, act=b.act)
        self.right = conv_bn(cin, b.cout - half, b.kernel2, b.stride, act=b.act)
        self.se = maybe_se(b, b.cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.se(torch.cat([self.left(x), self.right(x)], dim=1))


BLOCKS: dict[str, type[nn.Module]] = {
    'plain': Plain,
    'dwsep': DepthwiseSeparable,
    'inverted': InvertedResidual,
    'basic': BasicResidual,
    'concat': ConcatBranch,
}


class RandomCNN(nn.Module):
    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        stem: list[nn.Module] = [conv_bn(3, spec.stem_cout, spec.stem_kernel, spec.stem_stride, act=spec.stem_act)]
        if spec.stem_pool:
            stem.append(nn.MaxPool2d(3, 2, 1))
        self.stem = nn.Sequential(*stem)
        blocks: list[nn.Module] = []
        cin = spec.stem_cout
        for stage in spec.stages:
            for b in stage:
                blocks.append(BLOCKS[b.kind](cin, b))
                cin = b.cout
        self.blocks = nn.Sequential(*blocks)
        self.head = conv_bn(cin, spec.head_channels, 1, act=spec.head_act) if spec.head_channels else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(spec.head_channels or cin, spec.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------- sampling


def round8(x: float) -> int:
    return max(8, int(round(x / 8)) * 8)


def draw_width(rng: random.Random, prev: int) -> int:
    """Grows the width by a random factor; usually a multiple of eight, now and then not."""
    width = round8(min(prev * rng.uniform(1.0, 2.4), 768))
    if rng.random() < 0.12:
        width = max(4, width + rng.choice((-5, -3, -1, 1, 3, 5)))
    return width


def draw_kernel(rng: random.Random) -> int:
    return rng.choices(KERNELS, weights=KERNEL_WEIGHTS)[0]


def draw_block(rng: random.Random, cout: int, stride: int, act: str) -> BlockSpec:
    kind = rng.choice(BLOCK_KINDS)
    return BlockSpec(
        kind=kind,
        cout=cout,
        kernel=draw_kernel(rng),
        stride=stride,
        act=act if rng.random() < 0.75 else rng.choice(ACTIVATIONS),
        se=rng.random() < 0.3,
        expansion=rng.randint(2, 6) if kind == 'inverted' else 1,
        kernel2=draw_kernel(rng) if kind == 'concat' else 0,
        gate=rng.choice(('sigmoid', 'hardsigmoid')),
    )


def draw_stage(rng: random.Random, prev: int) -> list[BlockSpec]:
    cout = draw_width(rng, prev)
    stride = 2 if rng.random() < 0.85 else 1
    act = rng.choice(ACTIVATIONS)
    return [draw_block(rng, cout, stride if i == 0 else 1, act) for i in range(rng.randint(1, 4))]


def draw_net(rng: random.Random) -> NetSpec:
    spec = NetSpec(
        resolution=rng.choice(RESOLUTIONS),
        stem_cout=rng.choice((8, 12, 16, 24, 32, 48)),
        stem_kernel=rng.choice((3, 3, 5, 7)),
        stem_stride=2 if rng.random() < 0.85 else 1,
        stem_act=rng.choice(ACTIVATIONS),
        stem_pool=rng.random() < 0.2,
    )
    prev = spec.stem_cout
    for _ in range(rng.randint(2, 5)):
        spec.stages.append(draw_stage(rng, prev))
        prev = spec.stages[-1][-1].cout
    if rng.random() < 0.5:
        spec.head_channels = round8(prev * rng.uniform(1.5, 6.0))
        spec.head_act = rng.choice(ACTIVATIONS)
    spec.classes = rng.choices(CLASSES, weights=(1, 1, 3))[0]
    return spec


def sample(seed: int, index: int, min_macs: int, max_macs: int) -> tuple[NetSpec, nn.Module, int, int]:
    """Draws until the MACs fall in range; returns the spec, the model, its MACs and the draws."""
    rng = random.Random(f'random-cnn/{seed}/{index}')
    for draw in range(1, MAX_DRAWS + 1):
        spec = draw_net(rng)
        model = RandomCNN(spec).eval()
        macs = count_macs(model, spec.resolution)
        if min_macs <= macs <= max_macs:
            return spec, model, macs, draw
    raise RuntimeError(f'no draw within {MAX_DRAWS} tries had MACs in range')


# ---------------------------------------------------------------- description


def describe_block(b: BlockSpec) -> str:
    kind = f'ir{b.expansion}' if b.kind == 'inverted' else b.kind
    kernel = f'k{b.kernel}+{b.kernel2}' if b.kind == 'concat' else f'k{b.kernel}'
    stride = '/2' if b.stride == 2 else ''
    return f'{kind} {kernel}{stride} {b.cout} {b.act}{" se" if b.se else ""}'


def describe(spec: NetSpec) -> str:
    stem = f'stem k{spec.stem_kernel}/{spec.stem_stride} {spec.stem_cout} {spec.stem_act}{" +maxpool" if spec.stem_pool else ""}'
    stages = ' | '.join(', '.join(describe_block(b) for b in stage) for stage in spec.stages)
    head = f'head 1x1 {spec.head_channels} {spec.head_act}, ' if spec.head_channels else ''
    return f'{spec.resolution}px; {stem} || {stages} || {head}gap, fc {spec.classes}'


# ---------------------------------------------------------------- driver


def export_one(out_dir: Path, seed: int, index: int, min_macs: int, max_macs: int) -> tuple[str, int, float, str]:
    """Samples, exports and records one network; returns its name, MACs, seconds, description."""
    name = f'random-{seed}-{index}'
    spec, model, macs, draws = sample(seed, index, min_macs, max_macs)
    torch.manual_seed(seed * 100_003 + index)
    model = RandomCNN(spec).eval()
    entry = base_entry(name, FAMILY, GENERATOR, spec.resolution, seed, model, macs)
    entry.update({'index': index, 'draws': draws, 'description': describe(spec), 'arch': asdict(spec)})
    seconds = write_network(out_dir, model, entry)
    return name, macs, seconds, entry['description']


def run(out_dir: Path, seed: int, count: int, min_macs: int, max_macs: int, force: bool) -> list[str]:
    failed: list[str] = []
    for index in range(count):
        name = f'random-{seed}-{index}'
        tag = f'[{index + 1}/{count}] {name}'
        if not force and is_done(out_dir, name):
            print(f'{tag}: exists, skipped', flush=True)
            continue
        try:
            _, macs, seconds, text = export_one(out_dir, seed, index, min_macs, max_macs)
        except Exception as err:  # noqa: BLE001 - one broken network must not stop the rest
            traceback.print_exc()
            print(f'{tag}: FAILED ({type(err).__name__}: {err})', flush=True)
            failed.append(name)
            continue
        print(f'{tag}: {human(macs)} MACs, exported in {seconds:.1f} s; {text}', flush=True)
    return failed


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--count', type=int, required=True, help='number of networks')
    p.add_argument('--seed', type=int, required=True, help='generator seed; names are random-<seed>-<i>')
    p.add_argument('--out', type=Path, default=DEFAULT_OUT, help='output folder (default %(default)s)')
    p.add_argument('--min-macs', type=float, default=20e6, help='smallest MACs kept (default %(default).0f)')
    p.add_argument('--max-macs', type=float, default=600e6, help='largest MACs kept (default %(default).0f)')
    p.add_argument('--force', action='store_true', help='export again networks already in the folder')
    return p.parse_args()


def main() -> int:
    args = parse_args()
    out_dir = args.out.expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f'torch {torch.__version__}; {args.count} random CNNs, seed {args.seed} -> {out_dir}', flush=True)
    start = time.perf_counter()
    failed = run(out_dir, args.seed, args.count, int(args.min_macs), int(args.max_macs), args.force)
    ok = args.count - len(failed)
    print(f'done in {time.perf_counter() - start:.1f} s; {ok} ok, {len(failed)} failed{": " + ", ".join(failed) if failed else ""}', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
