/**
 * `labbench serve`: one LabBackend over one LocalLabService, behind the HTTP/WebSocket
 * server, until the signal aborts (Ctrl-C). The URL to open is printed on a line of its own.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalLabService } from '../lab-service.js';
import { LabBackend } from './backend.js';
import { startLabServer } from './http-server.js';

/** The built renderer beside the sources (npm run build:renderer writes it). */
export const RENDERER_DIST = resolve(import.meta.dirname, '..', '..', 'renderer', 'dist');

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  readonly allowHosts?: readonly string[];
  readonly staticDir?: string;
}

export async function serve(service: LocalLabService, opts: ServeOptions, io: { stdout: (s: string) => void; stderr: (s: string) => void }, signal?: AbortSignal): Promise<void> {
  const staticDir = opts.staticDir ?? RENDERER_DIST;
  if (!existsSync(join(staticDir, 'index.html'))) io.stderr(`warning: the UI is not built (${staticDir}); run 'npm run build:renderer'. The API works without it.\n`);
  const backend = new LabBackend(service);
  const server = await startLabServer({ backend, staticDir, ...(opts.host ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}) });
  io.stderr(`labbench serve: listening on ${server.url}; open the URL below (its token is needed for every API call). Ctrl-C stops.\n`);
  io.stdout(`${server.openUrl}\n`);
  await new Promise<void>((r) => {
    if (signal?.aborted) return r();
    signal?.addEventListener('abort', () => r(), { once: true });
  });
  await server.close();
  await backend.close();
}
