/**
 * What the request schemas of the DTO modules beside this one are built from, and the one way a
 * request is checked against its schema: the service at its door (so the CLI and Electron IPC,
 * which call it in process, get the checks HTTP gets) and the server's `checkParams` alike.
 */
import { z } from 'zod';
import { LabbenchError } from './errors.js';

/** A whole number at least `min`; the message names the bound and the value given. */
export function whole(min: number) {
  const msg = (iss: { input?: unknown }) => `must be a whole number >= ${min}, got ${String(iss.input)}`;
  return z.number().int({ error: msg }).min(min, { error: msg });
}

/** A finite number above zero. */
export function positive() {
  const msg = (iss: { input?: unknown }) => `must be a positive number, got ${String(iss.input)}`;
  return z.number().positive({ error: msg });
}

/** A non-empty name of at most `max` characters (a workload, a file name). */
export function name(max = 300) {
  return z.string().min(1).max(max);
}

/** A device as `--device` takes it: `local`, `gpu0`, an adb serial, a key, `key@hash`. */
export const deviceId = name(300);

/** Methods without parameters. */
export const NoParamsSchema = z.strictObject({});

/** One device by its id (`lut show`, `report accuracy`). */
export const DeviceRefSchema = z.strictObject({ device: deviceId });
export type DeviceRef = Readonly<z.infer<typeof DeviceRefSchema>>;

/** A job or a meter stream by the id the server gave it. */
export const IdRefSchema = z.strictObject({ id: name(100) });
export type IdRef = Readonly<z.infer<typeof IdRefSchema>>;

/** `field.path: message` of a failed parse's first issue (`parameters` when it is the whole value). */
export function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length ? issue.path.join('.') : 'parameters';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

/** The request, checked against its schema; else BAD_INPUT `method: field: message`. */
export function parseRequest<S extends z.ZodType>(schema: S, req: unknown, method: string): z.output<S> {
  const r = schema.safeParse(req ?? {});
  if (!r.success) throw new LabbenchError('BAD_INPUT', `${method}: ${issueText(r.error)}`);
  return r.data;
}
