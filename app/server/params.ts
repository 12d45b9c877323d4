/**
 * Parameter checks at the UI's door: each method's parameters as a zod schema, so a malformed
 * call from a browser or the renderer gets BAD_INPUT with the field named, before it reaches
 * the service (which checks the values' meaning itself).
 */
import { z } from 'zod';
import { LabbenchError } from '../api/errors.js';
import type { MethodName, ParamsOf } from '../ipc/protocol.js';

const none = z.object({}).strict();
const device = z.string().min(1).max(300);
const int = z.number().int();
const pos = z.number().positive();

const profileRequest = z
  .object({
    device,
    workload: z.string().min(1).max(300),
    mode: z.enum(['kernels', 'layers']).optional(),
    setupRatio: z.number().min(0).optional(),
    resolution: int.optional(),
    batch: int.optional(),
    runs: int.optional(),
    maxRuns: int.optional(),
    warmup: int.optional(),
    threads: int.optional(),
    graphOptimization: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
    targetRelCi: pos.optional(),
    maxSecondsPerUnit: pos.optional(),
    fresh: z.boolean().optional(),
    canaryEvery: int.optional(),
    canaryDrift: pos.optional(),
    delegate: z.enum(['cpu', 'xnnpack', 'gpu', 'nnapi']).optional(),
    coreMask: z.string().optional(),
    coolBelowC: pos.optional(),
    innerRuns: int.optional(),
    unplugTimeoutS: pos.optional(),
    hangTimeoutS: pos.optional(),
    meter: z.string().min(1).optional(),
  })
  .strict();

const fitRequest = z
  .object({ device, holdout: z.array(z.string().min(1)).optional(), sample: int.optional(), minRows: int.optional(), mode: z.enum(['kernels', 'layers']).optional(), rounds: int.optional(), perRound: int.optional(), meter: z.string().min(1).optional(), meterNetworks: int.optional() })
  .strict();

// A device's LUT from the DB only: a UI names no file on the lab machine to read or write.
const nasRequest = z
  .object({
    device,
    targetMs: pos,
    data: z.enum(['mnist', 'fashion-mnist']),
    epochs: int.optional(),
    trainEpochs: int.optional(),
    limit: int.optional(),
    resolution: int.optional(),
    width: pos.optional(),
    batchSize: int.optional(),
    randomBaselines: int.optional(),
    noBaselines: z.boolean().optional(),
    seed: int.optional(),
    seeds: int.optional(),
  })
  .strict();

const SCHEMAS: { readonly [M in MethodName]: z.ZodType } = {
  'devices.list': none,
  'devices.connect': z.object({ hostPort: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'HOST:PORT') }).strict(),
  'devices.doctor': z.object({ meters: z.array(z.string().min(1).max(500)).max(16).optional(), coolBelowC: pos.optional(), meterSeconds: z.number().positive().max(30).optional() }).strict(),
  'workloads.list': none,
  'jobs.list': none,
  'jobs.start': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('profile'), request: profileRequest }).strict(),
    z.object({ kind: z.literal('fit'), request: fitRequest }).strict(),
    z.object({ kind: z.literal('nas'), request: nasRequest }).strict(),
  ]),
  'jobs.cancel': z.object({ id: z.string().min(1) }).strict(),
  'lut.devices': none,
  'lut.show': z.object({ device }).strict(),
  'lut.export': z.object({ device, format: z.enum(['json', 'csv']) }).strict(),
  // 64 MiB of text at most: a LUT of every layer of every zoo network is a few MB.
  'lut.import': z.object({ text: z.string().max(64 * 1024 * 1024), sourceName: z.string().min(1).max(300) }).strict(),
  // Devices in the DB only: a UI names no file on the lab machine.
  'lut.diff': z.object({ a: device, b: device }).strict(),
  'report.compare': z.object({ a: device, b: device, workloads: z.array(z.string().min(1).max(300)).max(64).optional() }).strict(),
  predict: z
    .object({ device, workload: z.string().min(1).max(300), resolution: int.optional(), batch: int.optional(), modelOnly: z.boolean().optional() })
    .strict(),
  'predict.onnx': z
    .object({ device, fileName: z.string().min(1).max(300), base64: z.string().min(1).max(96 * 1024 * 1024), modelOnly: z.boolean().optional() })
    .strict(),
  accuracy: z.object({ device }).strict(),
  'meters.list': none,
  'meters.start': z.object({ spec: z.string().min(3).max(500) }).strict(),
  'meters.stop': z.object({ id: z.string().min(1) }).strict(),
  'search.list': none,
  'profile.runs': none,
  // GET: the id arrives as query text.
  'profile.run': z.object({ id: z.coerce.number().int().positive() }).strict(),
};

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(SCHEMAS, name);
}

/** The parameters, checked; BAD_INPUT names the first field that is wrong. */
export function checkParams<M extends MethodName>(method: M, params: unknown): ParamsOf<M> {
  const r = SCHEMAS[method].safeParse(params ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length ? issue.path.join('.') : 'parameters';
    throw new LabbenchError('BAD_INPUT', `${method}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data as ParamsOf<M>;
}
