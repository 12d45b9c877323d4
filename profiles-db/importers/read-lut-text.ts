/**
 * Turns the text of a LUT file of any supported kind into a validated labbench LUT file:
 * labbench's own format, the Single-Path NAS authors' runtime model, or a Once-for-All /
 * ProxylessNAS YAML latency table. Anything else is a one-line LUT_INVALID error naming the file.
 */
import { basename, extname } from 'node:path';
import { LabbenchError } from '../../app/api/errors.js';
import { parseLutFile, type LutFile } from '../lut-file.js';
import { latencyYamlToLut, looksLikeLatencyYaml } from './latency-yaml-lut.js';
import { looksLikeSpnasRuntimeModel, spnasRuntimeModelToLut } from './spnas-runtime-model.js';

export function readLutText(text: string, sourceName: string, opts: { deviceKey?: string } = {}): LutFile {
  if (looksLikeLatencyYaml(text, sourceName)) return latencyYamlToLut(text, sourceName, opts.deviceKey);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new LabbenchError('LUT_INVALID', `${sourceName}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc === 'object' && doc !== null && 'format' in doc) {
    const file = parseLutFile(text, sourceName);
    return opts.deviceKey ? { ...file, device: { ...file.device, key: opts.deviceKey } } : file;
  }
  if (looksLikeSpnasRuntimeModel(doc)) {
    // The authors' file names no device; its name does (pixel1-...json -> pixel1).
    const key = opts.deviceKey ?? (basename(sourceName, extname(sourceName)).split(/[-_.]/)[0] || 'spnas-device');
    return spnasRuntimeModelToLut(doc, sourceName, key);
  }
  throw new LabbenchError('LUT_INVALID', `${sourceName}: not a LUT file (no "format": "labbench-lut", not a Single-Path NAS runtime model, not a .yaml latency table)`);
}
