/**
 * Reads the YAML latency lookup tables of Once-for-All and ProxylessNAS (mit-han-lab): a
 * top-level mapping from a block key to a mapping of numbers (`count`, `mean`, `std` or
 * `var`, sometimes more), as PyYAML writes them in block style or flow style. Only that
 * subset of YAML: anything else is a LUT_INVALID error naming the line. Not a YAML parser
 * (none is a runtime dependency), and it gives the keys no meaning: ofa-latency-table.ts does.
 */
import { LabbenchError } from '../../app/api/errors.js';

export interface LatencyYamlRow {
  /** The block key as written, e.g. `Conv-input:224x224x3-output:112x112x32`. */
  readonly key: string;
  /** The row's numeric fields, in file order. */
  readonly fields: Readonly<Record<string, number>>;
  /** 1-based line of the key, for error messages. */
  readonly line: number;
}

/** A YAML number (int, float, exponent); `.inf`/`.nan` are not latencies and are refused. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.at(-1) === t[0] ? t.slice(1, -1) : t;
}

export function readLatencyYaml(text: string, sourceName: string): LatencyYamlRow[] {
  const fail = (line: number, what: string): never => {
    throw new LabbenchError('LUT_INVALID', `${sourceName}: line ${line}: ${what}`);
  };
  const rows: { key: string; fields: Record<string, number>; line: number }[] = [];
  const seen = new Map<string, number>();
  const addField = (row: (typeof rows)[number], name: string, value: string, line: number): void => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(line, `expected a field name such as "mean", got ${JSON.stringify(name)}`);
    if (!NUMBER.test(value.trim())) fail(line, `${name} of ${row.key} is not a number: ${JSON.stringify(value.trim())}`);
    if (name in row.fields) fail(line, `${name} appears twice in ${row.key}`);
    row.fields[name] = Number(value);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let current: (typeof rows)[number] | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/\s+#.*$/, '').trimEnd();
    if (body.trim() === '' || body.trimStart().startsWith('#') || (line === 1 && body === '---')) return;
    if (/^\s/.test(body)) {
      // `  mean: 0.99` under the current key.
      if (!current) return fail(line, 'an indented field before any block key');
      const m = /^\s+([^:\s]+):\s+(\S.*)$/.exec(body);
      if (!m) return fail(line, `expected "  <field>: <number>", got ${JSON.stringify(body.trim())}`);
      return addField(current, m[1]!, m[2]!, line);
    }
    // A key: `<key>:` (block style) or `<key>: {count: 1, mean: 2.0}` (flow style). A plain
    // YAML key cannot hold ": ", so the first one ends it.
    const cut = body.indexOf(': ');
    const key = unquote(cut >= 0 ? body.slice(0, cut) : body.endsWith(':') ? body.slice(0, -1) : '');
    if (!key) return fail(line, `expected "<block key>:" at the start of a row, got ${JSON.stringify(body)}`);
    const first = seen.get(key);
    if (first !== undefined) fail(line, `${key} appears twice (also line ${first})`);
    seen.set(key, line);
    current = { key, fields: {}, line };
    rows.push(current);
    if (cut < 0) return;
    const flow = /^\{(.*)\}$/.exec(body.slice(cut + 2).trim());
    if (!flow) return fail(line, `expected the fields of ${key} on the next lines or as {field: number, ...}`);
    for (const part of flow[1]!.split(',').filter((p) => p.trim() !== '')) {
      const colon = part.indexOf(':');
      if (colon < 0) fail(line, `expected "field: number" in the braces, got ${JSON.stringify(part.trim())}`);
      addField(current, part.slice(0, colon).trim(), part.slice(colon + 1), line);
    }
    current = undefined; // a flow mapping is closed on its line
  });
  if (rows.length === 0) fail(lines.length, 'no rows (expected "<block key>:" lines each followed by count, mean and std)');
  return rows;
}
