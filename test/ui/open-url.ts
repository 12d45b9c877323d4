/** The URL `labbench serve` (or the demo, which ends by serving) prints on a line of its own, token included. */
import type { ChildProcess } from 'node:child_process';

export function openUrlOf(child: ChildProcess, o: { what: string; limitS: number; stderr?: () => string }): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const tail = (): string => (o.stderr ? o.stderr() : err).slice(-3000);
    const timer = setTimeout(() => reject(new Error(`${o.what} printed no URL in ${o.limitS} s: ${out}\n${tail()}`)), o.limitS * 1000);
    if (!o.stderr) child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => /^http:\/\/\S+#token=\S+$/.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${o.what} exited ${code} before serving:\n${tail()}`));
    });
  });
}
