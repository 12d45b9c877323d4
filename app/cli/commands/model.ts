/** `model export|import`: fitted models travel between benches as LUTs do. */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { type CliContext } from '../context.js';
import { readInputFile, writeFileAtomic } from '../files.js';

export function registerModel(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const model = program.command('model').description('fitted models: export, import (so a teammate predicts for a device they do not own)');
  model
    .command('export')
    .description("write the model predict uses for a device to a file: versioned JSON with a checksum, the device's fingerprint (and emulated mark), the rows and runs it was fitted on, and its accuracy report")
    .requiredOption('--device <ref>', 'device key or key@fingerprint')
    .requiredOption('--out <file>', 'file to write')
    .action(async (o: { device: string; out: string }, cmd: Command) => {
      const text = await svc(cmd).modelExport(o.device);
      writeFileAtomic(o.out, text);
      emit(cmd, { device: o.device, out: o.out, bytes: Buffer.byteLength(text) }, `wrote ${o.out}`);
    });
  model
    .command('import')
    .description("import a model file: the device is created from the file's fingerprint where this DB lacks it, and predict uses the model from then on; a tampered or malformed file, or another fingerprint under the same key, exits 2 and changes nothing")
    .argument('<file>')
    .option('--force', 'import even though a device with the same key has another fingerprint here (the file’s becomes the key’s most recent)')
    .option('--as <key>', 'device key to import under (default: the file’s)')
    .action(async (file: string, o: { force?: boolean; as?: string }, cmd: Command) => {
      const text = readInputFile(file);
      const r = await svc(cmd).modelImport(text, basename(file), { ...(o.force ? { force: true } : {}), ...(o.as ? { deviceKey: o.as } : {}) });
      const notes = r.notes.map((n) => `\nnote: ${n}`).join('');
      emit(cmd, r, `imported a ${r.kind} model (${r.training_rows} training rows) for ${r.device.key}@${r.device.fingerprint_hash}${r.created_device ? ' (a device new to this DB)' : ''}${notes}`);
    });
}
