/**
 * Accuracy figures of predictors, as the talk's tables report them: RMSPE (root mean
 * squared percentage error) and RMSE per layer type, and predicted against actual totals
 * per network.
 *
 *   RMSPE = sqrt(mean(((pred - actual) / actual)^2)),  RMSE = sqrt(mean((pred - actual)^2)).
 *
 * `rmspe` returns a fraction (0.3997); tables carry percent in fields named `_pct`.
 */

function check(actual: readonly number[], predicted: readonly number[]): void {
  if (actual.length !== predicted.length) throw new Error(`metrics: ${actual.length} actual vs ${predicted.length} predicted values`);
  if (actual.length === 0) throw new Error('metrics: no values');
}

/** Root mean squared percentage error, as a fraction. Actual values must be nonzero. */
export function rmspe(actual: readonly number[], predicted: readonly number[]): number {
  check(actual, predicted);
  let s = 0;
  actual.forEach((a, i) => {
    if (a === 0) throw new Error(`metrics: actual value ${i} is 0; RMSPE is undefined`);
    const e = (predicted[i]! - a) / a;
    s += e * e;
  });
  return Math.sqrt(s / actual.length);
}

/** Root mean squared error, in the values' unit. */
export function rmse(actual: readonly number[], predicted: readonly number[]): number {
  check(actual, predicted);
  const s = actual.reduce((acc, a, i) => acc + (predicted[i]! - a) ** 2, 0);
  return Math.sqrt(s / actual.length);
}

/** One measured item with every predictor's estimate of it (layers of one type share a group). */
export interface AccuracyRow {
  /** Layer type (`conv`, `fc`, ...) or network name. */
  readonly group: string;
  readonly actual: number;
  /** Estimate per predictor name (`neuralpower`, `paleo`, ...). */
  readonly predicted: Readonly<Record<string, number>>;
}

export interface PredictorAccuracy {
  readonly rmspe_pct: number;
  /** In the unit of the values (ms for runtime, W for power). */
  readonly rmse: number;
  /** Number of terms of the model (the talk's "model size"), when given. */
  readonly model_size?: number;
}

export interface AccuracyTableRow {
  readonly group: string;
  readonly n: number;
  readonly predictors: Readonly<Record<string, PredictorAccuracy>>;
}

/**
 * Per group and over all rows ("all"), RMSPE and RMSE of each predictor: the layer-level
 * table of the talk (NeuralPower against Paleo, per layer type). A predictor missing from
 * some rows of a group is scored on the rows it has.
 */
export function accuracyTable(rows: readonly AccuracyRow[], modelSize: Readonly<Record<string, Readonly<Record<string, number>>>> = {}): AccuracyTableRow[] {
  const groups = [...new Set(rows.map((r) => r.group))];
  const score = (group: string, rs: readonly AccuracyRow[]): AccuracyTableRow => {
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.predicted)))];
    const predictors: Record<string, PredictorAccuracy> = {};
    for (const name of names) {
      const have = rs.filter((r) => r.predicted[name] !== undefined);
      const a = have.map((r) => r.actual);
      const p = have.map((r) => r.predicted[name]!);
      const size = modelSize[group]?.[name];
      predictors[name] = { rmspe_pct: 100 * rmspe(a, p), rmse: rmse(a, p), ...(size !== undefined ? { model_size: size } : {}) };
    }
    return { group, n: rs.length, predictors };
  };
  const table = groups.map((g) => score(g, rows.filter((r) => r.group === g)));
  if (groups.length > 1) table.push(score('all', rows));
  return table;
}

/** One network: measured total and each predictor's total (runtime ms, power W or energy mJ). */
export interface NetworkTotalRow {
  readonly network: string;
  /** Measured, in the model's machine state where the samples carried a canary (machine-state.ts). */
  readonly actual: number;
  /** The measured median as taken, where `actual` was brought to the model's state. */
  readonly measured_raw?: number;
  readonly predicted: Readonly<Record<string, number>>;
}

export interface NetworkTableRow extends NetworkTotalRow {
  /** Signed error (pred - actual) / actual per predictor, percent. */
  readonly error_pct: Readonly<Record<string, number>>;
}

export interface NetworkTable {
  readonly rows: readonly NetworkTableRow[];
  /** Each predictor's RMSPE over the networks it predicted, percent. */
  readonly rmspe_pct: Readonly<Record<string, number>>;
}

/**
 * The network-level table of the talk: per network the predicted totals beside the actual
 * one (runtime, power or energy), with signed percentage errors, and each predictor's
 * RMSPE over the networks.
 */
export function networkTable(rows: readonly NetworkTotalRow[]): NetworkTable {
  const out: NetworkTableRow[] = rows.map((r) => ({
    ...r,
    error_pct: Object.fromEntries(Object.entries(r.predicted).map(([k, v]) => [k, (100 * (v - r.actual)) / r.actual])),
  }));
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.predicted)))];
  const rmspePct: Record<string, number> = {};
  for (const name of names) {
    const have = rows.filter((r) => r.predicted[name] !== undefined);
    rmspePct[name] = 100 * rmspe(have.map((r) => r.actual), have.map((r) => r.predicted[name]!));
  }
  return { rows: out, rmspe_pct: rmspePct };
}
