/**
 * What a browser may load and whom the server answers: the Content-Security-Policy of every
 * page (the Electron shell sends the same one), and the Host check against DNS rebinding.
 */
import { isIP } from 'node:net';

/**
 * No inline script or style, nothing from elsewhere: scripts, styles and data come from the
 * UI's own origin; `connect` adds the WebSocket URL (older Chromium does not let 'self'
 * match ws:). Images may be data: and blob: (uPlot exports, screenshots).
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent with every static file. */
export function pageHeaders(connect: readonly string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(connect),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/**
 * A DNS-rebinding page reaches the server under the attacker's host name, so the Host header
 * must name this server: an IP literal (which no DNS answer can stand for), `localhost`, or a
 * name the user allowed, with the port the server listens on.
 */
export function hostAllowed(hostHeader: string | undefined, port: number, allowedNames: readonly string[] = []): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(hostHeader.trim());
  if (!m) return false;
  const name = m[1]!.toLowerCase();
  if (Number(m[2] ?? 80) !== port) return false;
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  return isIP(bare) !== 0 || bare === 'localhost' || allowedNames.some((a) => a.toLowerCase() === bare);
}
