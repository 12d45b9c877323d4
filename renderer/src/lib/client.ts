/**
 * The renderer's only way to the lab: a typed `call` of the method table in app/ipc/protocol.ts
 * and a stream of lab events, over Electron IPC (the preload's bridge) when the page runs in
 * the desktop shell, or over HTTP and a WebSocket when `labbench serve` served it.
 */
import { ROUTES, WS_PROTOCOL, WS_TOKEN_PREFIX, type CallOutcome, type LabEvent, type MethodName, type ParamsOf, type ResultOf } from '../../../app/ipc/protocol.js';
import type { SerializedError } from '../../../app/api/errors.js';

/** What the Electron preload puts on `window` (contextBridge). */
export interface LabBridge {
  call(method: string, params: unknown): Promise<CallOutcome<unknown>>;
  onEvent(listener: (e: LabEvent) => void): () => void;
}

declare global {
  interface Window {
    labbench?: LabBridge;
  }
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly error: SerializedError) {
    super(error.message);
  }
  get code(): string {
    return this.error.code;
  }
}

export type LinkState = 'connecting' | 'open' | 'closed' | 'unauthorized';

interface Transport {
  call(method: MethodName, params: unknown): Promise<CallOutcome<unknown>>;
  /** Starts the event stream; events and link changes go to the callbacks. */
  connect(onEvent: (e: LabEvent) => void, onLink: (s: LinkState) => void): void;
}

const TOKEN_KEY = 'labbench.token';

/** The token arrives in the URL's fragment (never sent to a server); it is kept for this tab and wiped from the address bar. */
export function takeToken(loc: Location = window.location, store: Storage = window.sessionStorage): string | undefined {
  const m = /(?:^#|&)token=([\w-]+)/.exec(loc.hash);
  if (m?.[1]) {
    store.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', `${loc.pathname}${loc.search}#/devices`);
    return m[1];
  }
  return store.getItem(TOKEN_KEY) ?? undefined;
}

class HttpTransport implements Transport {
  constructor(private readonly token: string | undefined) {}

  async call(method: MethodName, params: unknown): Promise<CallOutcome<unknown>> {
    const route = ROUTES[method];
    const headers: Record<string, string> = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    let url = new URL(route.path, window.location.href).toString();
    const init: RequestInit = { method: route.verb, headers };
    if (route.verb === 'GET') {
      const q = new URLSearchParams(Object.entries((params ?? {}) as Record<string, string>));
      if ([...q].length) url += `?${q}`;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(params ?? {});
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      return { ok: false, error: { name: 'NetworkError', code: 'INTERNAL', message: `the lab server did not answer (${(e as Error).message})` } };
    }
    const body = (await res.json().catch(() => ({ error: { name: 'HttpError', code: 'INTERNAL', message: `HTTP ${res.status}` } }))) as unknown;
    if (res.ok) return { ok: true, value: body };
    return { ok: false, error: (body as { error: SerializedError }).error };
  }

  connect(onEvent: (e: LabEvent) => void, onLink: (s: LinkState) => void): void {
    let delay = 500;
    const open = (): void => {
      onLink('connecting');
      const url = new URL('api/events', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.hash = '';
      const ws = new WebSocket(url, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${this.token ?? ''}`]);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        delay = 500;
        onLink('open');
      };
      ws.onmessage = (m) => onEvent(JSON.parse(String(m.data)) as LabEvent);
      ws.onclose = () => {
        // Refused at once means the token is wrong; a dropped link is retried.
        if (!opened && !this.token) return onLink('unauthorized');
        onLink('closed');
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    open();
  }
}

class IpcTransport implements Transport {
  constructor(private readonly bridge: LabBridge) {}
  call(method: MethodName, params: unknown): Promise<CallOutcome<unknown>> {
    return this.bridge.call(method, params);
  }
  connect(onEvent: (e: LabEvent) => void, onLink: (s: LinkState) => void): void {
    this.bridge.onEvent(onEvent);
    onLink('open');
  }
}

export class LabClient {
  readonly #listeners = new Set<(e: LabEvent) => void>();
  readonly #linkListeners = new Set<(s: LinkState) => void>();
  #link: LinkState = 'connecting';

  constructor(private readonly transport: Transport) {
    transport.connect(
      (e) => this.#listeners.forEach((l) => l(e)),
      (s) => {
        this.#link = s;
        this.#linkListeners.forEach((l) => l(s));
      },
    );
  }

  async call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const r = await this.transport.call(method, params);
    if (!r.ok) throw new ApiError(r.error);
    return r.value as ResultOf<M>;
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get link(): LinkState {
    return this.#link;
  }

  onLink(listener: (s: LinkState) => void): () => void {
    this.#linkListeners.add(listener);
    return () => this.#linkListeners.delete(listener);
  }
}

/** IPC inside Electron, HTTP otherwise. */
export function createClient(): LabClient {
  if (window.labbench) return new LabClient(new IpcTransport(window.labbench));
  return new LabClient(new HttpTransport(takeToken()));
}

export const lab = createClient();
