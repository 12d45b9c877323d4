/**
 * The desktop shell (Electron's main process): one window on the built renderer, served on
 * the app's own scheme with the same CSP as `labbench serve`, and the lab (LabBackend over
 * LocalLabService) behind a two-channel IPC bridge. The page cannot reach Node (isolation,
 * sandbox), open windows, navigate away or load anything remote.
 * Built with `npm run build:electron` (dist/electron/main.mjs, preload.cjs).
 */
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { LocalLabService, defaultDbPath } from './lab-service.js';
import { LabBackend } from './server/backend.js';
import { contentSecurityPolicy } from './server/security.js';
import { IPC_CALL, IPC_EVENT, type CallOutcome } from './ipc/protocol.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, shellWindowOptions } from './window-options.js';

/** dist/electron/ -> the checkout (or the packaged app's root). */
const ROOT = resolve(import.meta.dirname, '..', '..');
const RENDERER = join(ROOT, 'renderer', 'dist');
const PRELOAD = join(import.meta.dirname, 'preload.cjs');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** Every web contents (the window, anything it might spawn): no new windows, no navigation away, no webviews. */
function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

async function serveRenderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== 'app') return new Response('not found', { status: 404 });
  const file = resolve(join(RENDERER, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
  if (!file.startsWith(RENDERER + sep)) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, { headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' } });
  } catch {
    return new Response(`not found (is the renderer built? npm run build:renderer)`, { status: 404 });
  }
}

app.on('web-contents-created', (_e, contents) => lockDown(contents));

await app.whenReady();
protocol.handle(APP_SCHEME, serveRenderer);
// No remote content: the page may load only from the app's scheme (and devtools from itself).
session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !(isAppUrl(details.url) || details.url.startsWith('devtools:')) }));
session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

const backend = new LabBackend(new LocalLabService(defaultDbPath()));
ipcMain.handle(IPC_CALL, async (e: IpcMainInvokeEvent, method: unknown, params: unknown): Promise<CallOutcome<unknown>> => {
  // Only the app's own page may call the lab.
  if (!e.senderFrame || !isAppUrl(e.senderFrame.url) || typeof method !== 'string') return { ok: false, error: { name: 'LabbenchError', code: 'BAD_INPUT', message: 'refused: not the app page' } };
  return backend.call(method, params);
});

const win = new BrowserWindow(shellWindowOptions(PRELOAD));
lockDown(win.webContents);
const offEvents = backend.onEvent((ev) => {
  if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, ev);
});
win.once('ready-to-show', () => win.show());
await win.loadURL(`${APP_ORIGIN}/index.html`);

app.on('window-all-closed', () => {
  offEvents();
  void backend.close().finally(() => app.quit());
});
