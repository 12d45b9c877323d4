#!/usr/bin/env python3
"""Exports torchvision classification networks (random weights, nothing downloaded) to ONNX
for the bench's held-out evaluation set, with a manifest of their sizes counted in PyTorch.

Usage: torchvision_nets.py [--out DIR] [--resolution R] [--seed S] [--only NAME ...] [--force]
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

import torch
import torchvision
from torch import nn
from torchvision import models
from torchvision.models import mobilenetv3

from evalset_common import DEFAULT_OUT, base_entry, count_macs, human, is_done, write_network

GENERATOR = 'torchvision_nets.py'
DEFAULT_RESOLUTION = 224


@dataclass(frozen=True)
class Spec:
    name: str
    family: str
    build: Callable[[], nn.Module]
    kwargs: dict[str, Any] = field(default_factory=dict)


def mobilenet_v3_large_width(width_mult: float) -> nn.Module:
    """`mobilenet_v3_large` forwards `width_mult` to the model class, which rejects it, so the
    block configuration is built with torchvision's own helper and passed to the class."""
    setting, last_channel = mobilenetv3._mobilenet_v3_conf('mobilenet_v3_large', width_mult=width_mult)
    return mobilenetv3.MobileNetV3(setting, last_channel)


def spec(name: str, family: str, ctor: Callable[..., nn.Module], **kwargs: Any) -> Spec:
    return Spec(name, family, partial(ctor, weights=None, **kwargs), kwargs)


def network_specs() -> list[Spec]:
    return [
        spec('resnet18', 'resnet', models.resnet18),
        spec('resnet34', 'resnet', models.resnet34),
        spec('resnet50', 'resnet', models.resnet50),
        spec('mobilenet_v2', 'mobilenet_v2', models.mobilenet_v2),
        spec('mobilenet_v2_w0.5', 'mobilenet_v2', models.mobilenet_v2, width_mult=0.5),
        spec('mobilenet_v3_large', 'mobilenet_v3', models.mobilenet_v3_large),
        Spec('mobilenet_v3_large_w0.75', 'mobilenet_v3', partial(mobilenet_v3_large_width, 0.75), {'width_mult': 0.75}),
        spec('efficientnet_b0', 'efficientnet', models.efficientnet_b0),
        spec('efficientnet_b1', 'efficientnet', models.efficientnet_b1),
        spec('shufflenet_v2_x0_5', 'shufflenet_v2', models.shufflenet_v2_x0_5),
        spec('shufflenet_v2_x1_0', 'shufflenet_v2', models.shufflenet_v2_x1_0),
        spec('mnasnet0_5', 'mnasnet', models.mnasnet0_5),
        spec('mnasnet1_0', 'mnasnet', models.mnasnet1_0),
        spec('regnet_y_400mf', 'regnet', models.regnet_y_400mf),
        spec('regnet_x_400mf', 'regnet', models.regnet_x_400mf),
        spec('regnet_y_800mf', 'regnet', models.regnet_y_800mf),
        spec('squeezenet1_0', 'squeezenet', models.squeezenet1_0),
        spec('squeezenet1_1', 'squeezenet', models.squeezenet1_1),
        spec('densenet121', 'densenet', models.densenet121),
        spec('googlenet', 'googlenet', models.googlenet, aux_logits=False, init_weights=False),
        spec('vgg11', 'vgg', models.vgg11),
        spec('alexnet', 'alexnet', models.alexnet),
    ]


def fixed_pool_head(model: nn.Module) -> tuple[nn.AdaptiveAvgPool2d, nn.Linear] | None:
    """The adaptive pool to a fixed grid and the linear layer after it (VGG, AlexNet), if any."""
    pool = getattr(model, 'avgpool', None)
    classifier = getattr(model, 'classifier', None)
    if not isinstance(pool, nn.AdaptiveAvgPool2d) or pool.output_size in (1, (1, 1)) or classifier is None:
        return None
    first = next((m for m in classifier.modules() if isinstance(m, nn.Linear)), None)
    return (pool, first) if first is not None else None


def fit_head(model: nn.Module, resolution: int) -> str | None:
    """ONNX cannot express an adaptive pool whose grid does not divide the feature map, which
    VGG and AlexNet hit away from their native resolution. There the pool is dropped and the
    first linear layer takes the feature map as it is; returns a note for the manifest."""
    head = fixed_pool_head(model)
    if head is None:
        return None
    pool, linear = head
    with torch.no_grad():
        features = model.features(torch.zeros(1, 3, resolution, resolution))
    grid = pool.output_size if isinstance(pool.output_size, tuple) else (pool.output_size, pool.output_size)
    h, w = features.shape[-2:]
    if h % grid[0] == 0 and w % grid[1] == 0:
        return None
    model.avgpool = nn.Identity()
    replacement = nn.Linear(features[0].numel(), linear.out_features)
    for name, module in model.classifier.named_children():
        if module is linear:
            setattr(model.classifier, name, replacement)
    return f'avgpool to {grid[0]}x{grid[1]} removed; first linear takes {features.shape[1]}x{h}x{w}'


def file_name(s: Spec, resolution: int) -> str:
    """`<name>` at the default resolution, `<name>_r<resolution>` otherwise."""
    return s.name if resolution == DEFAULT_RESOLUTION else f'{s.name}_r{resolution}'


def export_one(s: Spec, out_dir: Path, resolution: int, seed: int) -> tuple[float, int]:
    """Builds, measures and exports one network; returns export seconds and MACs."""
    torch.manual_seed(seed)
    model = s.build().eval()
    note = fit_head(model, resolution)
    macs = count_macs(model, resolution)
    entry = base_entry(file_name(s, resolution), s.family, GENERATOR, resolution, seed, model, macs)
    entry['model'] = s.name
    entry['torchvision'] = torchvision.__version__
    entry['kwargs'] = s.kwargs
    if note:
        entry['modified'] = note
    return write_network(out_dir, model, entry), macs


def run(specs: list[Spec], out_dir: Path, resolution: int, seed: int, force: bool) -> list[str]:
    """Exports each network in turn; returns the names that failed."""
    failed: list[str] = []
    for i, s in enumerate(specs, 1):
        tag = f'[{i}/{len(specs)}] {file_name(s, resolution)}'
        if not force and is_done(out_dir, file_name(s, resolution)):
            print(f'{tag}: exists, skipped', flush=True)
            continue
        try:
            seconds, macs = export_one(s, out_dir, resolution, seed)
        except Exception as err:  # noqa: BLE001 - one broken export must not stop the rest
            traceback.print_exc()
            print(f'{tag}: FAILED ({type(err).__name__}: {err})', flush=True)
            failed.append(s.name)
            continue
        print(f'{tag}: {human(macs)} MACs, exported in {seconds:.1f} s', flush=True)
    return failed


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', type=Path, default=DEFAULT_OUT, help='output folder (default %(default)s)')
    p.add_argument('--resolution', type=int, default=DEFAULT_RESOLUTION, help='input height and width; files away from the default are named <name>_r<resolution> (default %(default)s)')
    p.add_argument('--seed', type=int, default=0, help='torch seed for the random weights (default %(default)s)')
    p.add_argument('--only', nargs='+', metavar='NAME', help='export only these networks')
    p.add_argument('--force', action='store_true', help='export again networks already in the folder')
    p.add_argument('--list', action='store_true', help='print the network names and exit')
    return p.parse_args()


def main() -> int:
    args = parse_args()
    specs = network_specs()
    if args.list:
        print('\n'.join(s.name for s in specs))
        return 0
    if args.only:
        unknown = set(args.only) - {s.name for s in specs}
        if unknown:
            print(f'unknown networks: {", ".join(sorted(unknown))}', file=sys.stderr)
            return 2
        specs = [s for s in specs if s.name in args.only]
    out_dir = args.out.expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f'torch {torch.__version__}, torchvision {torchvision.__version__}; {len(specs)} networks at {args.resolution} -> {out_dir}', flush=True)
    start = time.perf_counter()
    failed = run(specs, out_dir, args.resolution, args.seed, args.force)
    print(f'done in {time.perf_counter() - start:.1f} s; {len(specs) - len(failed)} ok, {len(failed)} failed{": " + ", ".join(failed) if failed else ""}', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
