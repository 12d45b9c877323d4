/**
 * The desktop window's options, kept apart from Electron so a test can check them without
 * it: the renderer is isolated from Node (context isolation, sandbox, no node integration),
 * may not open other windows or navigate away, and gets the lab only through the preload's
 * small bridge.
 */

/** The subset of Electron's BrowserWindowConstructorOptions the shell sets (main.ts passes it as is). */
export interface ShellWindowOptions {
  readonly width: number;
  readonly height: number;
  readonly minWidth: number;
  readonly minHeight: number;
  readonly title: string;
  readonly show: boolean;
  readonly backgroundColor: string;
  readonly webPreferences: {
    readonly preload: string;
    readonly contextIsolation: true;
    readonly sandbox: true;
    readonly nodeIntegration: false;
    readonly nodeIntegrationInWorker: false;
    readonly nodeIntegrationInSubFrames: false;
    readonly webSecurity: true;
    readonly allowRunningInsecureContent: false;
    readonly webviewTag: false;
    readonly experimentalFeatures: false;
    readonly navigateOnDragDrop: false;
    readonly spellcheck: false;
  };
}

export function shellWindowOptions(preloadPath: string): ShellWindowOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    title: 'labbench',
    show: false,
    backgroundColor: '#f5f6f8',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // A file dropped outside the ONNX drop zone must not navigate the window to it.
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** The scheme the shell serves the built renderer on (no file://, no remote origin). */
export const APP_SCHEME = 'labbench';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/** Whether a URL is the app's own page; every other navigation is refused. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'app';
  } catch {
    return false;
  }
}
