/**
 * What a search or compression method (NAS, pruning, quantization...) is to its front doors:
 * a kind, a title, the request's one zod schema, and a field list that says how each request
 * field is shown (label, CLI flag, whether a UI may set it). The CLI's options, the server's
 * UI-safe schema and the Search page's form are all derived from these; the method's run
 * function sits beside its code (`app/<kind>/method.ts`). Pure: zod and data only.
 */
import { z } from 'zod';

/** How one request field is presented; its type, bounds and choices come from the schema. */
export interface SearchFieldMeta {
  /** One short label for a form. */
  readonly label: string;
  /** One line of help (the CLI's option text, the form's tooltip). */
  readonly help: string;
  /** The CLI flag without dashes, when not the key in kebab case (`lut`, `out`, `no-baselines`). */
  readonly flag?: string;
  /** The CLI's placeholder, e.g. `ms` for `--target-ms <ms>`. */
  readonly arg?: string;
  /**
   * What a UI may do with it: 'never' for host paths (a LUT file, an output folder) and
   * CLI-only knobs; 'name' for a model that is a zoo name or a file (a UI gets the name only).
   */
  readonly ui?: 'never' | 'name';
  /** The UI must give it (a device, where the CLI may name a file instead). */
  readonly uiRequired?: boolean;
  /** A device from the DB, chosen from its LUT devices. */
  readonly device?: boolean;
  /** The form's starting value: fields with one are shown at once, others under "more". */
  readonly initial?: string | number | boolean;
}

export type SearchFieldType = 'int' | 'number' | 'string' | 'boolean' | 'choice' | 'choices' | 'numbers';

/** A field as the front doors see it: the meta plus what the schema says (plain JSON). */
export interface SearchField extends SearchFieldMeta {
  readonly key: string;
  readonly type: SearchFieldType;
  readonly required: boolean;
  readonly flag: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
}

/** A method's request as written in `app/api`: kind, title, the schema and its fields' meta. */
export interface SearchRequestSpec<K extends string = string, S extends z.ZodObject = z.ZodObject> {
  readonly kind: K;
  readonly title: string;
  /** One line for help texts and the UI. */
  readonly description: string;
  readonly schema: S;
  /** The CLI has a command file of its own for it (app/cli/commands/<kind>.ts); otherwise `labbench <kind>` is built from the fields. */
  readonly ownCommand?: true;
  /** One entry per schema key, in the order a form shows them. */
  readonly fields: { readonly [F in keyof S['shape']]: SearchFieldMeta };
}

/** A request type from its schema: readonly fields and arrays, as the DTOs beside it. */
export type RequestOf<S extends z.ZodType> = { readonly [K in keyof z.infer<S>]: z.infer<S>[K] extends readonly (infer E)[] | undefined ? (undefined extends z.infer<S>[K] ? readonly E[] | undefined : readonly E[]) : z.infer<S>[K] };

/** What `search.methods` answers: a method's pure data, enough to build its form. */
export interface SearchMethodInfo {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  /** The fields a UI may set. */
  readonly fields: readonly SearchField[];
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function unwrap(t: z.ZodType): { inner: z.ZodType; optional: boolean } {
  return t instanceof z.ZodOptional ? { inner: t.unwrap() as z.ZodType, optional: true } : { inner: t, optional: false };
}

function finite(n: number | null | undefined): number | undefined {
  return n !== null && n !== undefined && Number.isFinite(n) && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined;
}

/** Every field of a spec with its type, bounds and choices read from the schema. */
export function searchFields(spec: SearchRequestSpec): SearchField[] {
  const meta = spec.fields as Record<string, SearchFieldMeta>;
  return Object.entries(spec.schema.shape).map(([key, t]) => {
    const m = meta[key];
    if (!m) throw new Error(`${spec.kind}: request field ${key} has no field meta`);
    const { inner, optional } = unwrap(t as z.ZodType);
    const base = { ...m, key, required: !optional, flag: m.flag ?? kebab(key) };
    if (inner instanceof z.ZodNumber) {
      const min = finite(inner.minValue);
      const max = finite(inner.maxValue);
      return { ...base, type: inner.isInt ? 'int' : 'number', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    if (inner instanceof z.ZodEnum) return { ...base, type: 'choice', choices: inner.options.map(String) };
    if (inner instanceof z.ZodBoolean) return { ...base, type: 'boolean' };
    if (inner instanceof z.ZodString) return { ...base, type: 'string' };
    if (inner instanceof z.ZodArray) {
      const el = inner.element as z.ZodType;
      if (el instanceof z.ZodEnum) return { ...base, type: 'choices', choices: el.options.map(String) };
      if (el instanceof z.ZodNumber) return { ...base, type: 'numbers', ...(finite(el.minValue) !== undefined ? { min: finite(el.minValue) } : {}), ...(finite(el.maxValue) !== undefined ? { max: finite(el.maxValue) } : {}) };
    }
    throw new Error(`${spec.kind}: request field ${key} has a type no front door can show`);
  });
}

/** The fields a UI may set, and the pure description `search.methods` answers. */
export function searchMethodInfo(spec: SearchRequestSpec): SearchMethodInfo {
  return { kind: spec.kind, title: spec.title, description: spec.description, fields: searchFields(spec).filter((f) => f.ui !== 'never') };
}

/** A zoo name, not a path: what a UI may give for a field that the CLI also takes as a file. */
const NAME = /^[A-Za-z0-9][\w-]{0,99}$/;

/**
 * The request as a UI may send it: host paths left out, a device it must name made required,
 * a model given by name only.
 */
export function uiSchema(spec: SearchRequestSpec): z.ZodObject {
  const meta = spec.fields as Record<string, SearchFieldMeta>;
  const shape: Record<string, z.ZodType> = {};
  for (const [key, t] of Object.entries(spec.schema.shape)) {
    const m = meta[key]!;
    if (m.ui === 'never') continue;
    let field = t as z.ZodType;
    if (m.uiRequired) field = unwrap(field).inner;
    if (m.ui === 'name') field = z.string().regex(NAME, 'a zoo name (a UI names no file on the lab machine)');
    shape[key] = field;
  }
  return z.object(shape).strict();
}
