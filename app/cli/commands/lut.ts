/** `lut show|export|import|diff`: lookup tables. */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { formatLut } from '../format.js';
import { type CliContext } from '../context.js';
import { readInputFile, writeFileAtomic } from '../files.js';
import { formatLutDiff } from '../format-compare.js';
import type { LutRef } from '../../api/compare.js';

/** An existing file is read as a LUT file; anything else names a device. */
function lutRef(arg: string): LutRef {
  if (!existsSync(arg)) return arg;
  return { name: basename(arg), text: readInputFile(arg) };
}

export function registerLut(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const lut = program.command('lut').description('lookup tables: show, export, import, diff');
  lut
    .command('show')
    .description("a device's LUT")
    .requiredOption('--device <ref>', 'device key (local, pixel1) or key@fingerprint')
    .action(async (o: { device: string }, cmd: Command) => {
      const view = await svc(cmd).lutShow(o.device);
      emit(cmd, view, formatLut(view));
    });
  lut
    .command('export')
    .description("write a device's LUT to a file (versioned JSON with a checksum, or CSV)")
    .requiredOption('--device <ref>', 'device key or key@fingerprint')
    .requiredOption('--out <file>', 'file to write')
    .addOption(new Option('--format <fmt>', 'file format').choices(['json', 'csv']).default('json'))
    .action(async (o: { device: string; out: string; format: 'json' | 'csv' }, cmd: Command) => {
      const text = await svc(cmd).lutExport(o.device, o.format);
      writeFileAtomic(o.out, text);
      emit(cmd, { device: o.device, out: o.out, format: o.format, bytes: Buffer.byteLength(text) }, `wrote ${o.out}`);
    });
  lut
    .command('import')
    .description('import a LUT file (labbench JSON, the Single-Path NAS authors’ runtime-model JSON, or a Once-for-All / ProxylessNAS YAML latency table)')
    .argument('<file>')
    .option('--as <key>', 'device key for a file that does not name its device (default: from the file name)')
    .action(async (file: string, o: { as?: string }, cmd: Command) => {
      const text = readInputFile(file);
      const r = await svc(cmd).lutImport(text, basename(file), o.as ? { deviceKey: o.as } : {});
      const notes = r.notes.map((n) => `\nnote: ${n}`).join('');
      emit(cmd, r, `imported ${r.inserted + r.replaced} entries for ${r.device.key}@${r.device.fingerprint_hash} (${r.inserted} new, ${r.replaced} replaced, ${r.kept_local} local kept)${notes}`);
    });
  lut
    .command('diff')
    .description(
      'compare two LUTs key by key: the ratio B/A of the medians with a 95% interval (log-normal propagation of each row’s stored interval of its median), keys only in A or only in B, and the geometric mean ratio with a t-interval over keys',
    )
    .argument('<a>', 'a device (key or key@fingerprint) or a LUT file (read, not imported)')
    .argument('<b>', 'the same, for B')
    .action(async (a: string, b: string, _o: unknown, cmd: Command) => {
      const d = await svc(cmd).lutDiff(lutRef(a), lutRef(b));
      emit(cmd, d, formatLutDiff(d));
    });
}
