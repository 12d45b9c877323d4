/**
 * Errors that cross the API boundary (CLI, HTTP, IPC). A coded error is an expected outcome
 * (bad input, a device gone); a bug throws a plain Error. The CLI maps `code` to its exit
 * status with `exitCodeFor`, so scripts can tell bad input (2) from a failing device (1).
 */

export type ErrorCode =
  | 'BAD_INPUT'
  | 'INVALID_WORKLOAD'
  | 'WORKLOAD_NOT_FOUND'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_UNAVAILABLE'
  | 'RUNNER_FAILED'
  | 'PARSE_FAILED'
  | 'LUT_INVALID'
  | 'LUT_NOT_FOUND'
  | 'DB_FAILED'
  | 'DB_MIGRATION'
  /** Another live job measures the run (a second `profile` of the same device, workload and settings). */
  | 'RUN_IN_USE'
  | 'CANCELED';

const BAD_INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_INPUT',
  'INVALID_WORKLOAD',
  'WORKLOAD_NOT_FOUND',
  'DEVICE_NOT_FOUND',
  'LUT_INVALID',
  'LUT_NOT_FOUND',
]);

export class LabbenchError extends Error {
  override readonly name: string = 'LabbenchError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidWorkloadError extends LabbenchError {
  override readonly name = 'InvalidWorkloadError';
  constructor(message: string) {
    super('INVALID_WORKLOAD', message);
  }
}

/** DESIGN.md's contract: 0 ok, 2 bad input, 1 device or machine failure, 130 cancelled. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof LabbenchError) {
    if (err.code === 'CANCELED') return 130;
    return BAD_INPUT_CODES.has(err.code) ? 2 : 1;
  }
  return 1;
}

/** The JSON shape an error takes on the wire (`--json`, HTTP, IPC). */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode | 'INTERNAL';
  readonly message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof LabbenchError) return { name: err.name, code: err.code, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, code: 'INTERNAL', message: e.message };
}
