/**
 * `labbench serve`: the UI's static files and the lab's method table over HTTP, events over a
 * WebSocket. Binds 127.0.0.1 unless told otherwise; every /api/ request and the WebSocket
 * need the per-launch token (a Bearer header; the WebSocket's subprotocol, since browsers
 * cannot set its headers), wherever the server is bound. Requests naming another host are
 * refused (DNS rebinding).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { exitCodeFor, LabbenchError, serializeError } from '../api/errors.js';
import { ROUTES, WS_PROTOCOL, WS_TOKEN_PREFIX, type CallOutcome, type MethodName } from '../ipc/protocol.js';
import type { LabBackend } from './backend.js';
import { hostAllowed, pageHeaders } from './security.js';
import { bearer, newToken, tokenMatches } from './token.js';

export interface LabServerOptions {
  readonly backend: Pick<LabBackend, 'call' | 'onEvent'>;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Default: a fresh random token. */
  readonly token?: string;
  /** The built renderer (renderer/dist). */
  readonly staticDir: string;
  /** Host names besides IP literals and localhost that requests may name (a lab machine's DNS name). */
  readonly allowHosts?: readonly string[];
  /** Largest request body (default 128 MiB: a dropped ONNX file in base64). */
  readonly maxBodyBytes?: number;
}

export interface LabServer {
  readonly url: string;
  /** The URL to open: the token rides in the fragment, which browsers never send to a server. */
  readonly openUrl: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const BY_ROUTE = new Map(Object.entries(ROUTES).map(([m, r]) => [`${r.verb} ${r.path}`, m as MethodName]));

export async function startLabServer(opts: LabServerOptions): Promise<LabServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const staticRoot = resolve(opts.staticDir);
  const maxBody = opts.maxBodyBytes ?? 128 * 1024 * 1024;
  let port = opts.port ?? 0;
  const allowed = (req: IncomingMessage): boolean => hostAllowed(req.headers.host, port, [...(opts.allowHosts ?? []), ...(isWildcard(host) ? [] : [host])]);

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: serializeError(e) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowed(req)) return sendJson(res, 421, { error: { name: 'LabbenchError', code: 'BAD_INPUT', message: `this server does not answer for host '${req.headers.host ?? ''}'` } });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return api(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    return serveStatic(req, res, url.pathname);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (!tokenMatches(bearer(req.headers.authorization), token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="labbench"');
      return sendJson(res, 401, { error: { name: 'LabbenchError', code: 'BAD_INPUT', message: 'missing or wrong token: open the URL that labbench serve printed' } });
    }
    const method = BY_ROUTE.get(`${req.method} ${url.pathname}`);
    if (!method) return sendJson(res, 404, { error: { name: 'LabbenchError', code: 'BAD_INPUT', message: `no API route ${req.method} ${url.pathname}` } });
    let params: unknown;
    if (req.method === 'GET') params = Object.fromEntries(url.searchParams);
    else {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: { name: 'LabbenchError', code: 'BAD_INPUT', message: 'send application/json' } });
      try {
        params = JSON.parse(await readBody(req, maxBody));
      } catch (e) {
        return sendJson(res, 400, { error: serializeError(e instanceof LabbenchError ? e : new LabbenchError('BAD_INPUT', `request body is not JSON: ${(e as Error).message}`)) });
      }
    }
    const outcome = await opts.backend.call(method, params);
    sendJson(res, outcome.ok ? 200 : statusFor(outcome), outcome.ok ? outcome.value : { error: outcome.error });
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      return sendText(res, 400, 'bad path');
    }
    const file = resolve(join(staticRoot, rel));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return sendText(res, 404, 'not found');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (rel === '/index.html') return sendText(res, 503, `The UI is not built: run 'npm run build:renderer' (looked in ${staticRoot}).`);
      return sendText(res, 404, 'not found');
    }
    const wsOrigin = `ws://${req.headers.host ?? ''}`;
    res.writeHead(200, {
      ...pageHeaders([wsOrigin]),
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      // Hashed asset names may be cached; the page itself is always fetched afresh.
      'Cache-Control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    res.end(await readFile(file));
  }

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false) });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    const given = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
    const url = new URL(req.url ?? '/', 'http://x');
    // A page elsewhere may open a WebSocket here (no CORS for them): it must come from this origin.
    const originOk = req.headers.origin === undefined || req.headers.origin === `http://${req.headers.host ?? ''}`;
    if (!allowed(req) || url.pathname !== '/api/events' || !originOk || !tokenMatches(given, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const off = opts.backend.onEvent((e) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
      });
      ws.on('close', off);
      ws.on('error', off);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as { port: number }).port;
  const shown = isWildcard(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  return {
    url,
    openUrl: `${url}#token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function statusFor(outcome: Extract<CallOutcome<unknown>, { ok: false }>): number {
  if (outcome.error.code === 'INTERNAL') return 500;
  const code = exitCodeFor(new LabbenchError(outcome.error.code, outcome.error.message));
  return code === 2 ? 400 : code === 130 ? 409 : 503;
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new LabbenchError('BAD_INPUT', `request body over ${max} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
