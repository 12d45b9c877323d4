/**
 * The zod schema of a model file (model-file.ts). The envelope is strict, as a LUT file's is;
 * inside a fitted model, objects keep fields this schema does not name (a model of a later
 * minor shape still loads), but every number a prediction reads is checked, and each tree is
 * checked to be well formed, so a malformed model is refused at import rather than failing
 * inside `predict`.
 */
import { z } from 'zod';
import type { Ms } from '../api/units.js';
import { CHECKSUM_PATTERN, deviceFingerprintSchema } from '../../profiles-db/lut-file-schema.js';

export const MODEL_FILE_FORMAT = 'labbench-model';
export const MODEL_FILE_VERSION = 1;

/** Non-negative; a checked file's times carry the DTOs' unit (a type only). */
const ms = z.number().nonnegative().transform((x) => x as Ms);
const when = z.iso.datetime({ offset: true });
/** NaN (a kind with too few rows for a cross-validated error) is written as null by JSON. */
const maybe = z.number().nullable();

const stats = { n: z.number().int().min(1), median_ms: ms, ci_low_ms: ms, ci_high_ms: ms, mad_ms: ms, min_ms: ms, max_ms: ms };

const tree = z
  .strictObject({ feature: z.array(z.number().int().min(-2)), value: z.array(z.number()) })
  .refine((t) => t.feature.length === t.value.length && t.feature.length > 0, { message: 'a tree needs as many values as features, and one node at least' });

const roofline = z.looseObject({ ms_per_flop: ms, ms_per_byte: ms, overhead_ms: z.number() });

const kernelKindModel = z.looseObject({
  n: z.number().int().min(1),
  features: z.array(z.string()),
  roofline,
  trees: z.looseObject({ base: z.number(), rate: z.number(), trees: z.array(tree) }),
  cv: z.looseObject({ rmspe_pct: maybe, median_ape_pct: maybe }),
});

const kernelDeviceModel = z.looseObject({
  format: z.literal('labbench-kernel-device-model'),
  version: z.literal(1),
  model: z.looseObject({
    format: z.literal('labbench-kernel-model'),
    version: z.literal(1),
    kinds: z.record(z.string(), kernelKindModel),
    roofline,
    calibration: z.looseObject({ scale: z.number(), per_kernel_ms: z.number(), offset_ms: z.number(), networks: z.number().int().min(0) }),
  }),
  power: z.looseObject({ kinds: z.record(z.string(), z.number()), mean_w: z.number() }).optional(),
  state: z.looseObject({ reference_canary_ms: z.number().positive() }).optional(),
  training: z.looseObject({ rows: z.number().int().min(0), holdout: z.array(z.string()) }),
});

const neuralPowerDeviceModel = z.looseObject({
  format: z.literal('labbench-device-model'),
  version: z.literal(1),
  // Its layer models are checked by parseNeuralPowerModel (neuralpower.ts), which predict uses too.
  neuralpower: z.looseObject({ format: z.literal('labbench-neuralpower'), version: z.literal(1), types: z.record(z.string(), z.unknown()) }),
  analytic: z.looseObject({ peak_flops: z.number().positive(), bandwidth: z.number().positive(), overhead_ms: z.number() }),
  gap_factor: z.number().positive(),
  gap_runs: z.number().int().min(0),
  state: z.looseObject({ reference_canary_ms: z.number().positive() }).optional(),
  training: z.looseObject({ rows: z.number().int().min(0), holdout: z.array(z.string()) }),
});

const trainingRun = z.strictObject({
  id: z.number().int(),
  workload: z.string().min(1),
  settings: z.record(z.string(), z.unknown()),
  started_at: when,
  finished_at: when.nullable(),
  end_to_end: z.strictObject(stats).nullable(),
});

const trainingRow = z.strictObject({ run_id: z.number().int().nullable(), key: z.string().min(1), op: z.string().min(1), config: z.record(z.string(), z.unknown()), ...stats });

const accuracy = z.looseObject({
  layers: z.array(z.looseObject({ group: z.string(), n: z.number().int().min(0) })),
  layers_in_sample: z.boolean(),
  networks: z.looseObject({ rows: z.array(z.looseObject({ network: z.string(), actual: z.number() })), held_out: z.array(z.string()) }),
});

export const modelFileSchema = z
  .strictObject({
    format: z.literal(MODEL_FILE_FORMAT),
    version: z.literal(MODEL_FILE_VERSION),
    exported_at: when,
    exported_by: z.string(),
    device: z.strictObject({
      key: z.string().min(1),
      label: z.string(),
      fingerprint: deviceFingerprintSchema,
      fingerprint_hash: z.string().regex(/^[0-9a-f]{16}$/, { error: 'expected 16 lowercase hex digits' }),
      emulated: z.boolean(),
      created_at: when,
    }),
    model: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('kernels'), created_at: when, body: kernelDeviceModel }),
      z.strictObject({ kind: z.literal('neuralpower'), created_at: when, body: neuralPowerDeviceModel }),
    ]),
    training: z.strictObject({ runs: z.array(trainingRun), rows: z.array(trainingRow) }),
    accuracy: accuracy.nullable(),
    provenance: z.record(z.string(), z.unknown()),
    checksum: z.string().regex(CHECKSUM_PATTERN, { error: 'expected "sha256:" and 64 lowercase hex digits' }),
  })
  .superRefine((f, ctx) => {
    if (f.device.emulated !== f.device.fingerprint.emulated) {
      ctx.addIssue({ code: 'custom', path: ['device', 'emulated'], message: `is ${f.device.emulated} but device.fingerprint.emulated is ${f.device.fingerprint.emulated}` });
    }
    const runs = new Set(f.training.runs.map((r) => r.id));
    const i = f.training.rows.findIndex((r) => r.run_id !== null && !runs.has(r.run_id));
    if (i >= 0) ctx.addIssue({ code: 'custom', path: ['training', 'rows', i, 'run_id'], message: `names run ${f.training.rows[i]!.run_id}, which training.runs does not list` });
  });
