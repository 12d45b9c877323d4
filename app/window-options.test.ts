/** The desktop shell's window options: what keeps a page in it away from Node and the OS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APP_ORIGIN, isAppUrl, shellWindowOptions } from './window-options.js';
import { contentSecurityPolicy } from './server/security.js';

test('the window isolates the renderer: context isolation and sandbox on, node integration off everywhere', () => {
  const w = shellWindowOptions('/app/preload.cjs').webPreferences;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.webviewTag, false);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.preload, '/app/preload.cjs');
});

test('main.ts builds its window from these options and blocks navigation, new windows and remote content', () => {
  const main = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
  assert.match(main, /new BrowserWindow\(shellWindowOptions\(/);
  assert.match(main, /setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
  assert.match(main, /will-navigate/);
  assert.match(main, /Content-Security-Policy/);
});

test('only the app scheme counts as the app', () => {
  assert.ok(isAppUrl(`${APP_ORIGIN}/index.html`));
  assert.ok(!isAppUrl('https://example.com/'));
  assert.ok(!isAppUrl('file:///etc/passwd'));
  assert.ok(!isAppUrl('labbench://evil/index.html'));
  assert.ok(!isAppUrl('not a url'));
  assert.match(contentSecurityPolicy(), /^default-src 'self'/);
});
