/** `--name=value` flags of `npm run bench` sections, read from the bench's argv. */

export const flagValue = (args: readonly string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** A numeric flag's value, or undefined when absent; one that fails `ok` stops the bench, saying `what` it must be. */
export function numericFlag(args: readonly string[], name: string, ok: (n: number) => boolean, what: string): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!ok(n)) throw new Error(`--${name}=${v}: ${what}`);
  return n;
}
