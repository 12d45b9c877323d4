"""Shared helpers of the evaluation-set generators: MAC and parameter counting in PyTorch,
ONNX export with fixed settings, and the manifest both generators write into.

The manifest (`manifest.json` in the output folder) holds one entry per network; an entry
written by one generator never removes entries written by the other, so both can share a
folder.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

OPSET = 13
INPUT_NAME = 'input'
OUTPUT_NAME = 'output'
MANIFEST = 'manifest.json'
MANIFEST_FORMAT = 1
DEFAULT_OUT = Path.home() / '.labbench' / 'eval-set'


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv_macs(module: nn.Conv2d, out: torch.Tensor) -> int:
    kh, kw = module.kernel_size
    return out.numel() // out.shape[0] * (module.in_channels // module.groups) * kh * kw


def linear_macs(module: nn.Linear) -> int:
    return module.in_features * module.out_features


def count_macs(model: nn.Module, resolution: int) -> int:
    """Multiply-accumulates of Conv2d and Linear layers for one sample, by forward hooks."""
    total = [0]

    def hook(module: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
        if isinstance(module, nn.Conv2d):
            total[0] += conv_macs(module, out)
        elif isinstance(module, nn.Linear):
            rows = out.numel() // out.shape[-1] // out.shape[0]
            total[0] += linear_macs(module) * rows

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, resolution, resolution))
    finally:
        for h in handles:
            h.remove()
    return total[0]


def export_onnx(model: nn.Module, resolution: int, path: Path) -> None:
    """Exports in eval mode, static batch 1, to a temporary file renamed into place."""
    model.eval()
    tmp = path.with_suffix('.onnx.part')
    with torch.no_grad():
        torch.onnx.export(
            model,
            torch.randn(1, 3, resolution, resolution),
            str(tmp),
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL,
        )
    os.replace(tmp, path)


def load_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST
    if path.exists():
        data = json.loads(path.read_text())
        if data.get('format') == MANIFEST_FORMAT:
            return data
    return {'format': MANIFEST_FORMAT, 'networks': []}


def find_entry(manifest: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((e for e in manifest['networks'] if e['name'] == name), None)


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name)]


def put_entry(out_dir: Path, entry: dict[str, Any]) -> None:
    """Adds or replaces one entry (by name), rereading the file so that other entries stay."""
    manifest = load_manifest(out_dir)
    nets = [e for e in manifest['networks'] if e['name'] != entry['name']]
    nets.append(entry)
    manifest['networks'] = sorted(nets, key=lambda e: natural_key(e['name']))
    tmp = out_dir / (MANIFEST + '.part')
    tmp.write_text(json.dumps(manifest, indent=2) + '\n')
    os.replace(tmp, out_dir / MANIFEST)


def is_done(out_dir: Path, name: str) -> bool:
    return (out_dir / f'{name}.onnx').exists() and find_entry(load_manifest(out_dir), name) is not None


def base_entry(name: str, family: str, generator: str, resolution: int, seed: int, model: nn.Module, macs: int) -> dict[str, Any]:
    return {
        'name': name,
        'family': family,
        'generator': generator,
        'file': f'{name}.onnx',
        'resolution': resolution,
        'input': {'name': INPUT_NAME, 'shape': [1, 3, resolution, resolution]},
        'opset': OPSET,
        'params': count_params(model),
        'macs': macs,
        'torch': torch.__version__,
        'seed': seed,
    }


def write_network(out_dir: Path, model: nn.Module, entry: dict[str, Any]) -> float:
    """Exports the model and records its entry; returns the export time in seconds."""
    start = time.perf_counter()
    export_onnx(model, entry['resolution'], out_dir / entry['file'])
    seconds = time.perf_counter() - start
    entry = {**entry, 'bytes': (out_dir / entry['file']).stat().st_size, 'export_s': round(seconds, 2)}
    put_entry(out_dir, entry)
    return seconds


def human(n: float) -> str:
    for unit, div in (('G', 1e9), ('M', 1e6), ('k', 1e3)):
        if n >= div:
            return f'{n / div:.1f}{unit}'
    return str(int(n))
