/** A local NVIDIA GPU's power draw as nvidia-smi reports it, as a meter. */
import type { SourceMeterDescriptor } from '../kind.js';
import { NvidiaSmiMeter, parseNvidiaSmiSpec } from './meter.js';

export const nvidiaSmiKind: SourceMeterDescriptor<'nvidia-smi'> = {
  transport: 'source',
  kinds: ['nvidia-smi'],
  summary: "a local NVIDIA GPU's power.draw (nvidia-smi)",
  usage: 'GPU:nvidia-smi[,ms=N]',
  open: (spec) => new NvidiaSmiMeter(parseNvidiaSmiSpec(spec)),
};
