/**
 * Reads the Single-Path NAS authors' runtime model (`pixel1_runtime_model.json`: per-layer
 * Pixel 1 latencies in ms, keys layer "0".."21" then option "0".."3") into a labbench LUT
 * file, keyed exactly like the blocks this bench measures for `spnas-space`, so a NAS run
 * can take its hardware cost from either. The authors' constants (19.6 ms for stem, head
 * and classifier; 0.7 ms for a skipped layer) become two more entries.
 */
import { LabbenchError } from '../../app/api/errors.js';
import type { LutRecord } from '../../app/api/lut.js';
import { mbconvKey } from '../../app/workloads/spnas-keys.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../../app/workloads/zoo/spnas-space.js';
import { publishedPhoneLut, type LutFile } from '../lut-file.js';
import { ms } from '../../app/api/units.js';

/** arXiv 1904.02877 (5 April 2019): the table publishes no per-row measurement times. */
const PUBLISHED_AT = '2019-04-05T00:00:00.000Z';
const FIXED_MS = 19.6;
const SKIP_MS = 0.7;

/** Whether `doc` has the shape of the authors' file: {"0": {"0": ms, ...}, ...}. */
export function looksLikeSpnasRuntimeModel(doc: unknown): doc is Record<string, Record<string, unknown>> {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && '0' in doc && typeof (doc as Record<string, unknown>)['0'] === 'object';
}

function published(key: string, op: string, config: Record<string, unknown>, figure: number): LutRecord {
  // One published figure per row: an average of unknown count, so n = 1 and no spread. Measured on a real Pixel 1.
  const t = ms(figure);
  return { key, op, config, n: 1, median_ms: t, ci_low_ms: t, ci_high_ms: t, mad_ms: ms(0), min_ms: t, max_ms: t, measured_at: PUBLISHED_AT, emulated: false };
}

export function spnasRuntimeModelToLut(doc: Record<string, Record<string, unknown>>, sourceName: string, deviceKey: string): LutFile {
  const bad = (what: string): never => {
    throw new LabbenchError('LUT_INVALID', `${sourceName}: ${what}`);
  };
  const layerKeys = Object.keys(doc);
  if (layerKeys.length !== SPNAS_LAYERS.length) bad(`expected ${SPNAS_LAYERS.length} layers "0".."${SPNAS_LAYERS.length - 1}", found ${layerKeys.length}`);
  const entries: LutRecord[] = [];
  for (const layer of SPNAS_LAYERS) {
    const row = doc[String(layer.index)];
    if (typeof row !== 'object' || row === null) return bad(`layer "${layer.index}" is missing`);
    if (Object.keys(row).length !== SPNAS_OPTIONS.length) bad(`layer "${layer.index}": expected options "0".."${SPNAS_OPTIONS.length - 1}"`);
    SPNAS_OPTIONS.forEach((opt, option) => {
      const ms = row[String(option)];
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) bad(`layer "${layer.index}" option "${option}": expected a positive number of ms, got ${JSON.stringify(ms)}`);
      const spec = { layer: layer.index, ...opt, stride: layer.stride, cin: layer.cin, cout: layer.cout, input: [layer.cin, layer.inputResolution, layer.inputResolution], residual: layer.residual, batch: 1 };
      entries.push(published(mbconvKey(spec), 'mbconv', { option, ...spec }, ms as number));
    });
  }
  entries.push(published('spnas-fixed in=3x224x224', 'network', { part: 'stem+head+classifier', input: [3, 224, 224], batch: 1 }, FIXED_MS));
  entries.push(published('spnas-skip', 'skip', { part: 'skipped layer' }, SKIP_MS));
  // Measured by the paper's authors on a real Pixel 1.
  return publishedPhoneLut({
    key: deviceKey,
    label: 'Google Pixel 1 (Single-Path NAS runtime model, TFLite)',
    fingerprint: { model: 'Pixel', device: 'sailfish', soc: 'Snapdragon 821', runtime: 'tflite', source: 'enyac-group/single-path-nas nas-search/pixel1_runtime_model.json' },
    publishedAt: PUBLISHED_AT,
    sourceName,
    provenance: {
      source: 'Single-Path NAS (Stamoulis et al., 2019), public runtime model of the Pixel 1',
      workload: 'spnas-space',
      resolution: 224,
      options: SPNAS_OPTIONS.map((o, i) => ({ option: i, ...o })),
      fixed_ms: FIXED_MS,
      skip_ms: SKIP_MS,
    },
    entries,
  });
}
