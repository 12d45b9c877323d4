/**
 * Parameter checks at the UI's door: each method's parameters checked by its request schema
 * from app/api (the one the service checks again at its own door), so a malformed call from a
 * browser or the renderer gets BAD_INPUT with the field named. Where a UI must not name a file
 * on the lab machine, the schema is the api's UI variant (fields omitted).
 */
import { z } from 'zod';
import { LabbenchError } from '../api/errors.js';
import { DeviceRefSchema, IdRefSchema, issueText, NoParamsSchema } from '../api/parse.js';
import { DeviceConnectRequestSchema } from '../api/devices.js';
import { UiDoctorRequestSchema } from '../api/doctor.js';
import { LutExportRequestSchema, UiLutImportRequestSchema } from '../api/lut.js';
import { CompareRequestSchema, DeviceLutDiffRequestSchema } from '../api/compare.js';
import { ProfileRunRefSchema, UiProfileRequestSchema } from '../api/profile.js';
import { FitRequestSchema, PredictOnnxRequestSchema, PredictRequestSchema } from '../api/predict.js';
import { MeterStartRequestSchema } from '../api/meters.js';
import { uiSchema } from '../api/search-method.js';
import { SEARCH_METHODS } from '../search-methods.js';
import type { SearchMethodDescriptor } from '../search-run.js';
import type { MethodName, ParamsOf } from '../ipc/protocol.js';

const none = NoParamsSchema;

const profileRequest = UiProfileRequestSchema;
const fitRequest = FitRequestSchema;

/** A job: a profile, a fit, or a run of one of `methods`, with the fields a UI may set (no host path: a LUT file, an output folder). */
function jobStartSchema(methods: readonly SearchMethodDescriptor[]): z.ZodType {
  return z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('profile'), request: profileRequest }).strict(),
    z.object({ kind: z.literal('fit'), request: fitRequest }).strict(),
    ...methods.map((m) => z.object({ kind: z.literal(m.request.kind), request: uiSchema(m.request) }).strict()),
  ]);
}

const SCHEMAS: { readonly [M in MethodName]: z.ZodType } = {
  'devices.list': none,
  'devices.connect': DeviceConnectRequestSchema,
  'devices.doctor': UiDoctorRequestSchema,
  'workloads.list': none,
  'jobs.list': none,
  'jobs.start': jobStartSchema(SEARCH_METHODS),
  'jobs.cancel': IdRefSchema,
  'lut.devices': none,
  'lut.show': DeviceRefSchema,
  'lut.export': LutExportRequestSchema,
  'lut.import': UiLutImportRequestSchema,
  'lut.diff': DeviceLutDiffRequestSchema,
  'report.compare': CompareRequestSchema,
  predict: PredictRequestSchema,
  'predict.onnx': PredictOnnxRequestSchema,
  accuracy: DeviceRefSchema,
  'meters.list': none,
  'meters.start': MeterStartRequestSchema,
  'meters.stop': IdRefSchema,
  'search.list': none,
  'search.methods': none,
  'profile.runs': none,
  'profile.run': ProfileRunRefSchema,
};

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(SCHEMAS, name);
}

/** Other methods' job schemas (a test's), built once per list. */
const jobStarts = new WeakMap<readonly SearchMethodDescriptor[], z.ZodType>();

/**
 * The parameters, checked; BAD_INPUT names the first field that is wrong. A job's kind is one
 * of `methods` (the registered ones unless a test lends others), or profile or fit.
 */
export function checkParams<M extends MethodName>(method: M, params: unknown, methods: readonly SearchMethodDescriptor[] = SEARCH_METHODS): ParamsOf<M> {
  let schema = SCHEMAS[method];
  if (method === 'jobs.start' && methods !== SEARCH_METHODS) {
    schema = jobStarts.get(methods) ?? jobStartSchema(methods);
    jobStarts.set(methods, schema);
  }
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new LabbenchError('BAD_INPUT', `${method}: ${issueText(r.error)}`);
  return r.data as ParamsOf<M>;
}
