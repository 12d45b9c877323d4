/**
 * `labbench nas`: Single-Path NAS against a device's kernel model or LUT, end to end. The
 * supernet is trained with the runtime term in the loss; the architecture it settles on is
 * brought into the band [0.95, 1] x target by the learned margins (fitToBand); that network
 * and the baselines (uniform and random at the same latency) are then trained alike and
 * tested. The run, its per-epoch progress and its result live in the DB; the supernet is
 * checkpointed every epoch, so `--resume ID` picks up a search that was stopped.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { LabbenchError } from '../api/errors.js';
import type { LutEntry } from '../api/lut.js';
import type { NasCandidate, NasProgress, NasRequest, NasResult, SearchProgressPoint } from '../api/search.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { readLutText } from '../../profiles-db/importers/read-lut-text.js';
import { importSummary } from '../../profiles-db/importers/latency-yaml-lut.js';
import { compileSpnasTable, SKIP, spnasLatency, type SpnasLatencyTable } from '../predict/spnas-lut.js';
import { deviceKernelModel, noKernelModel, spnasKernelTable, spnasTableResolution } from '../predict/spnas-kernels.js';
import { SPNAS_LAYERS, spnasNetwork } from '../workloads/zoo/spnas-space.js';
import { spnasWorkloadName } from '../workloads/plan.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { buildTflite } from '../../native-runners/android-tflite/tflite-writer.js';
import { initEngine } from '../train/engine.js';
import { loadDataset } from '../train/data.js';
import { train } from '../train/trainer.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import type { Dataset, EpochReport, TrainProgress } from '../train/types.js';
import { choiceName, fitToBand, randomArchitectures, toSpnasChoices, uniformArchitecture, type Architecture } from './architecture.js';
import { Supernet, type Settlement } from './supernet.js';
import { closingSearchRun } from '../search-run.js';
import { ChildNet } from './child-net.js';
import type { ProxyShape } from './supernet-parts.js';
import { describeComparison, summarizeSeeds, welch } from './seed-stats.js';
import { ms } from '../api/units.js';

export interface NasHooks {
  onProgress?(p: NasProgress): void;
  onWarning?(message: string): void;
  readonly signal?: AbortSignal;
}

/**
 * How the found network and every baseline are trained (one recipe for all, so the comparison
 * holds): Adam at 5e-3, which the zero-initialized residual blocks take (faster than 2e-3 in
 * short runs), decayed along a cosine so the last epochs settle.
 */
const CHILD_TRAINING = { optimizer: 'adam' as const, learningRate: 5e-3, lrSchedule: 'cosine' as const };

/** The band the found architecture must land in, as fractions of the target. */
const BAND_LO = 0.95;

export const NAS_DEFAULTS = {
  epochs: 4,
  trainEpochs: 4,
  resolution: 28,
  width: 0.25,
  batchSize: 64,
  randomBaselines: 2,
  seed: 1,
  seeds: 1,
} as const;

/** A found network that skips more than this share of the layers that may be skipped is reported as a skip-heavy collapse. */
export const SKIP_COLLAPSE_SHARE = 0.5;

/** Layers skipped of those that may be (residual layers), and the warning when more than half are. */
export function skipCollapse(arch: Architecture): { skipped: { layers: number; of: number }; warning?: string } {
  const skippable = SPNAS_LAYERS.filter((l) => l.residual).map((l) => l.index);
  const layers = skippable.filter((i) => arch[i] === SKIP).length;
  const skipped = { layers, of: skippable.length };
  if (layers <= SKIP_COLLAPSE_SHARE * skippable.length) return { skipped };
  return {
    skipped,
    warning:
      `skip-heavy collapse: the found network skips ${layers} of its ${skippable.length} skippable layers (more than half). ` +
      'A short proxy training favours shallow networks, so the search may have traded depth for latency it did not need to; ' +
      'compare it with the uniform and random baselines over several seeds (--seeds 3) before using it',
  };
}

interface LoadedLut {
  readonly label: string;
  readonly table: SpnasLatencyTable;
}

/**
 * The table the search scores architectures with (NAS_REQUEST's `latency`): a LUT file is
 * always read as a LUT; a device with a kernel model (its own record's or another record's
 * of the same device) gets the kernel table unless `lut` is asked for; else its LUT.
 */
export async function loadSpnasLatency(db: ProfilesDb, req: Pick<NasRequest, 'device' | 'lutFile' | 'latency'>): Promise<LoadedLut & { readonly source: 'kernels' | 'lut' }> {
  if (req.latency === 'kernels' && (req.lutFile || !req.device)) {
    throw new LabbenchError('BAD_INPUT', "--latency kernels predicts with a device's kernel model: give --device ID instead of --lut FILE");
  }
  if (!req.lutFile && req.device && req.latency !== 'lut') {
    const device = db.resolveDevice(req.device);
    const fitted = deviceKernelModel(db, device);
    if (fitted) {
      const resolution = spnasTableResolution(db, device);
      const table = await spnasKernelTable(fitted.device, fitted.model, resolution);
      // The device's label last: it carries the emulated mark (search reports read it there).
      return { label: `the kernel model (fused networks at ${resolution} px) of ${fitted.device.label}`, table, source: 'kernels' };
    }
    if (req.latency === 'kernels') throw noKernelModel(device);
  }
  return { ...loadSpnasLut(db, req), source: 'lut' };
}

export function loadSpnasLut(db: ProfilesDb | undefined, req: Pick<NasRequest, 'device' | 'lutFile'>): LoadedLut {
  let entries: readonly LutEntry[];
  let label: string;
  // A LUT that came from elsewhere (a public table) cannot be profiled to fill its gaps.
  let foreign: string | undefined;
  if (req.lutFile) {
    let text: string;
    try {
      text = readFileSync(req.lutFile, 'utf8');
    } catch (e) {
      throw new LabbenchError('BAD_INPUT', `cannot read the LUT file ${req.lutFile}: ${(e as Error).message}`);
    }
    const file = readLutText(text, req.lutFile);
    entries = file.entries;
    label = req.lutFile;
    foreign = importSummary(file);
  } else if (req.device && db) {
    const view = db.lutView(req.device);
    entries = view.entries;
    label = view.device.label;
    if (view.device.origin === 'imported') foreign = 'an imported LUT';
  } else {
    throw new LabbenchError('BAD_INPUT', 'nas needs --device ID (a device whose LUT has the spnas-space rows) or --lut FILE');
  }
  try {
    return { label, table: compileSpnasTable(entries) };
  } catch (e) {
    if (e instanceof LabbenchError && e.code === 'LUT_NOT_FOUND' && foreign) {
      throw new LabbenchError('LUT_NOT_FOUND', `${e.message} of ${label}: nas searches the Single-Path NAS space, which this table does not cover (${foreign})`);
    }
    if (e instanceof LabbenchError && e.code === 'LUT_NOT_FOUND' && !req.lutFile) {
      throw new LabbenchError('LUT_NOT_FOUND', `${e.message} of ${label}: profile it first (labbench profile --device ${req.device} --workload spnas-space)`);
    }
    throw e;
  }
}

function checkRequest(req: NasRequest): void {
  if (!(req.targetMs > 0)) throw new LabbenchError('BAD_INPUT', `--target-ms must be a positive number of milliseconds, got ${req.targetMs}`);
  for (const [k, v] of Object.entries({ epochs: req.epochs, trainEpochs: req.trainEpochs, batchSize: req.batchSize, resolution: req.resolution, limit: req.limit, seeds: req.seeds })) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new LabbenchError('BAD_INPUT', `${k} must be a positive integer, got ${v}`);
  }
  if (req.width !== undefined && !(req.width > 0 && req.width <= 1)) throw new LabbenchError('BAD_INPUT', `width must be in (0, 1], got ${req.width}`);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LabbenchError('CANCELED', 'nas canceled');
}

export async function runNas(db: ProfilesDb, req: NasRequest, hooks: NasHooks = {}): Promise<NasResult> {
  const resumed = req.resume !== undefined ? db.getSearchRun(req.resume) : undefined;
  if (req.resume !== undefined) {
    if (!resumed || resumed.kind !== 'nas') throw new LabbenchError('BAD_INPUT', `no NAS run ${req.resume} in ${db.path}`);
    if (resumed.status === 'done') throw new LabbenchError('BAD_INPUT', `NAS run ${req.resume} is already done`);
    // The run's own request, so that a resume cannot change what is being searched.
    req = { ...(resumed.params as unknown as NasRequest), resume: req.resume };
  }
  checkRequest(req);
  const lut = await loadSpnasLatency(db, req);
  const o = {
    epochs: req.epochs ?? NAS_DEFAULTS.epochs,
    trainEpochs: req.trainEpochs ?? NAS_DEFAULTS.trainEpochs,
    resolution: req.resolution ?? NAS_DEFAULTS.resolution,
    width: req.width ?? NAS_DEFAULTS.width,
    batchSize: req.batchSize ?? NAS_DEFAULTS.batchSize,
    randomBaselines: req.noBaselines ? 0 : (req.randomBaselines ?? NAS_DEFAULTS.randomBaselines),
    seed: req.seed ?? NAS_DEFAULTS.seed,
    seeds: req.seeds ?? NAS_DEFAULTS.seeds,
  };
  const lo = BAND_LO * req.targetMs;
  // Fail before any training when no architecture of the space can meet the target.
  // (fitToBand throws, naming the fastest latency there is.)
  fitToBand(lut.table, uniformArchitecture(0), 0, req.targetMs, () => 0);

  const engine = await initEngine();
  const data = loadDataset(req.data, { ...(req.limit ? { limit: req.limit } : {}), resolution: o.resolution, seed: o.seed });
  const shape: ProxyShape = { input: data.shape, classes: data.classes, width: o.width, seed: o.seed };

  // The table's source is kept with the run, so that a resume searches the same table even after a fit.
  const params = { ...req, lutFile: req.lutFile ? resolve(req.lutFile) : undefined, latency: lut.source, resume: undefined };
  const runId = resumed ? resumed.id : db.startSearchRun('nas', JSON.parse(JSON.stringify(params)) as Record<string, unknown>);
  // Named after the DB too: run ids restart in each DB, and several DBs may share a folder.
  const ckpt = resumed?.checkpoint ?? (db.path === ':memory:' ? join(tmpdir(), 'search-runs', `nas-${process.pid}-${runId}`, 'supernet.ckpt') : join(dirname(db.path), 'search-runs', basename(db.path), `nas-${runId}`, 'supernet.ckpt'));
  if (!resumed) db.setSearchRunCheckpoint(runId, ckpt);
  if (resumed) db.reopenSearchRun(runId);
  // Progress in epochs over every phase: the search, the found network, each baseline.
  const baselineCount = req.noBaselines ? 0 : 4 + o.randomBaselines;
  const total = o.epochs + o.trainEpochs * (1 + baselineCount) * o.seeds;
  let finished = 0;
  const started = performance.now();
  let lastTick = 0;
  const tell = (phase: string, done: number, point?: SearchProgressPoint): void => {
    const elapsed = (performance.now() - started) / 1000;
    const doneHere = done - finishedAtStart;
    const eta_s = doneHere > 0 ? (elapsed / doneHere) * (total - done) : undefined;
    hooks.onProgress?.({ run_id: runId, phase, done: Math.round(done * 100) / 100, total, ...(eta_s !== undefined ? { eta_s } : {}), ...(point ? { point } : {}) });
  };
  const report = (point: SearchProgressPoint): void => {
    db.appendSearchProgress(runId, point);
    finished += 1;
    tell(point.phase, finished, point);
  };
  // Inside an epoch (the trainer's pace: every 20 batches or 2 s), sent to the listener only;
  // at most two a second, for the UIs the server announces each one to.
  const inEpoch = (phase: string) => (p: TrainProgress): void => {
    const now = performance.now();
    if (now - lastTick < 500) return;
    lastTick = now;
    tell(phase, finished + p.batch / p.batches);
  };
  let finishedAtStart = 0;

  return closingSearchRun(db, runId, async () => {
    // 1. The search.
    const t0 = performance.now();
    const supernet = new Supernet(shape, lut.table, req.targetMs);
    let startEpoch = 0;
    let searchEpochs = 0;
    if (resumed && existsSync(ckpt)) {
      const meta = loadCheckpoint(ckpt, supernet.named);
      startEpoch = Number(meta.epoch ?? 0);
      searchEpochs = Number(meta.search_epochs ?? startEpoch);
      supernet.lambda = Number(meta.lambda ?? 1);
      if (meta.settlement) supernet.restoreSettlement(meta.settlement as Settlement);
      finished = finishedAtStart = startEpoch;
    }
    if (startEpoch < o.epochs) {
      await train(supernet, data, {
        epochs: o.epochs,
        startEpoch,
        batchSize: o.batchSize,
        optimizer: 'adam',
        learningRate: 2e-3,
        seed: o.seed,
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        onProgress: inEpoch('search'),
        onEpoch: (r: EpochReport) => {
          const state = supernet.state();
          const ms = spnasLatency(lut.table, state.architecture);
          mkdirSync(dirname(ckpt), { recursive: true });
          // Settled before the planned end: the checkpoint says the search is over, so a resume trains.
          const stopped = r.stoppedAfterBatches !== undefined;
          searchEpochs = stopped ? r.epoch + r.stoppedAfterBatches! / r.batches : r.epoch + 1;
          saveCheckpoint(ckpt, supernet.named, { epoch: stopped ? o.epochs : r.epoch + 1, search_epochs: searchEpochs, lambda: supernet.lambda, settlement: supernet.settlement() });
          report({
            phase: 'search',
            epoch: r.epoch + 1,
            epochs: r.epochs,
            loss: r.loss,
            accuracy: r.valAccuracy,
            latency_ms: ms,
            choices: state.architecture.map(choiceName),
            images_per_s: r.imagesPerSecond,
          });
        },
      });
    }
    // Epochs the search did not need still count as done for the progress.
    finished = Math.max(finished, o.epochs);
    const state = supernet.state();
    const searched = state.architecture;
    const found = fitToBand(lut.table, searched, lo, req.targetMs, state.preference);
    supernet.dispose();
    const searchSeconds = (performance.now() - t0) / 1000;
    if (found.some((c, i) => c !== searched[i])) {
      hooks.onWarning?.(`the search ended at ${spnasLatency(lut.table, searched).toFixed(1)} ms; ${found.filter((c, i) => c !== searched[i]).length} layer(s) moved by their learned margins to land in [${lo.toFixed(1)}, ${req.targetMs}] ms`);
    }

    // 2. The found network and the baselines, trained alike, once per training seed (seed, seed + 1, ...).
    const trainOne = async (name: string, arch: Architecture, k: number): Promise<{ accuracy: number; seconds: number }> => {
      throwIfAborted(hooks.signal);
      const seed = o.seed + k;
      const net = new ChildNet({ ...shape, seed }, arch);
      const phase = `${name === 'found' ? 'train' : `baseline:${name}`}${k > 0 ? ` (seed ${seed})` : ''}`;
      const t = performance.now();
      try {
        const result = await train(net, data, {
          epochs: o.trainEpochs,
          batchSize: o.batchSize,
          ...CHILD_TRAINING,
          seed,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          onProgress: inEpoch(phase),
          onEpoch: (r) => report({ phase, epoch: r.epoch + 1, epochs: r.epochs, loss: r.loss, accuracy: r.valAccuracy, latency_ms: spnasLatency(lut.table, arch), images_per_s: r.imagesPerSecond }),
        });
        return { accuracy: result.testAccuracy, seconds: (performance.now() - t) / 1000 };
      } finally {
        net.dispose();
      }
    };
    const trainSeeds = async (name: string, arch: Architecture): Promise<{ candidate: NasCandidate; seconds: number }> => {
      const runs: { accuracy: number; seconds: number }[] = [];
      for (let k = 0; k < o.seeds; k++) runs.push(await trainOne(name, arch, k));
      const accuracies = runs.map((r) => r.accuracy);
      const summary = summarizeSeeds(accuracies);
      return {
        candidate: { name, architecture: arch.map(choiceName), predicted_latency_ms: ms(round(spnasLatency(lut.table, arch))), accuracy: summary.mean, accuracies, accuracy_sd: summary.sd },
        seconds: runs[0]!.seconds,
      };
    };
    const best = await trainSeeds('found', found);
    const baselines: NasCandidate[] = [];
    const compared = (c: NasCandidate): NasCandidate => {
      const w = welch(best.candidate.accuracies, c.accuracies);
      return { ...c, found_minus_this: w.diff, noise: w.noise, comparison: `found - ${c.name}: ${describeComparison(w)}` };
    };
    if (!req.noBaselines) {
      for (const option of [0, 1, 2, 3]) baselines.push(compared((await trainSeeds(`uniform-${choiceName(option)}`, uniformArchitecture(option))).candidate));
      const randoms = o.randomBaselines > 0 ? randomArchitectures(lut.table, o.randomBaselines, lo, req.targetMs, o.seed) : [];
      for (const [i, arch] of randoms.entries()) baselines.push(compared((await trainSeeds(`random-${i + 1}`, arch)).candidate));
    }
    const collapse = skipCollapse(found);
    if (collapse.warning) hooks.onWarning?.(collapse.warning);

    const artifacts = req.outDir ? exportFound(found, lut.table.resolution, req.outDir, runId) : undefined;
    const result: NasResult = {
      run_id: runId,
      lut: lut.label,
      latency_source: lut.source,
      target_ms: ms(req.targetMs),
      architecture: found.map((c, layer) => ({ layer, choice: choiceName(c), latency_ms: ms(round(lut.table.cells[layer * (SKIP + 1) + c]!)) })),
      predicted_latency_ms: ms(round(spnasLatency(lut.table, found))),
      accuracy: best.candidate.accuracy,
      accuracies: best.candidate.accuracies,
      accuracy_sd: best.candidate.accuracy_sd,
      seeds: o.seeds,
      baselines,
      skipped: collapse.skipped,
      warnings: collapse.warning ? [collapse.warning] : [],
      search_seconds: round(searchSeconds),
      search_epochs: round(searchEpochs),
      train_seconds: round(best.seconds),
      engine: engine.backend,
      workload: spnasWorkloadName(found.map(choiceName)),
      resolution: lut.table.resolution,
      ...(artifacts ? { artifacts } : {}),
    };
    return result;
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The found network at the LUT's resolution, as ONNX and TFLite, for `labbench profile` to measure. */
function exportFound(arch: Architecture, resolution: number, outDir: string, runId: number): { onnx: string; tflite: string } {
  mkdirSync(outDir, { recursive: true });
  const net = spnasNetwork(toSpnasChoices(arch), { resolution });
  const onnx = join(outDir, `nas-${runId}.onnx`);
  const tflite = join(outDir, `nas-${runId}.tflite`);
  writeFileSync(onnx, buildOnnx(net).bytes);
  writeFileSync(tflite, buildTflite(net).bytes);
  return { onnx, tflite };
}

export type { Dataset };
