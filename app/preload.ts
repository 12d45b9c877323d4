/**
 * The sandboxed preload: the page's only door to the lab, two functions on `window.labbench`
 * (a method call and an event subscription) over fixed IPC channels. No Node, no ipcRenderer
 * handed to the page. Bundled to CommonJS (dist/electron/preload.cjs), as sandboxed preloads must be.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT, type CallOutcome, type LabEvent } from './ipc/protocol.js';

contextBridge.exposeInMainWorld('labbench', {
  call: (method: string, params: unknown): Promise<CallOutcome<unknown>> => ipcRenderer.invoke(IPC_CALL, String(method), params) as Promise<CallOutcome<unknown>>,
  onEvent: (listener: (e: LabEvent) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, ev: LabEvent): void => listener(ev);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.off(IPC_EVENT, handler);
    };
  },
});
