// EmulatedPhone: a Pixel-class Android phone reachable by the real adb server through
// `adb connect 127.0.0.1:PORT`. It is a device under test with its own physics (clocks,
// heat, throttling, battery), filesystem, shell and TFLite benchmark_model; nothing in it
// comes from the bench's code. Tests drive it through adb/adbkit and inspect it directly
// (fs, temperatureC, commandLog); unplug()/replug() act like pulling the USB cable.

import { DeviceServer, type DeviceStream } from './device-server.js';
import { PhoneFs, SHELL_CRED } from './fs.js';
import { runBenchmarkModel } from './benchmark-model.js';
import { buildSpec, type CoreLayout, type PhoneModelName, type PhoneSpec } from './phone-model.js';
import { ADBD_PID, type BenchmarkFlavor, type PhoneFaults, type PhoneHost, type Proc, type ProcInfo, type ProcessTable } from './phone-host.js';
import { Rng } from './rng.js';
import { SH, Shell, type Io, type ShellState } from './sh-exec.js';
import { runShellService, type ShellHost } from './shell-service.js';
import { runSyncService } from './sync-service.js';
import { buildProps, dumpsys, installImage, PATH } from './system-image.js';
import { PhonePhysics, type ThrottleParams } from './thermal.js';
import { AIDL_SERVICE, HIDL_SERVICE, PowerStatsHalEmulator, type PowerStatsHal } from './power-stats.js';
import { buildApplets } from './toybox.js';

export interface EmulatedPhoneOptions {
  /** ro.serialno (adb itself names the device 127.0.0.1:PORT). */
  serialName?: string;
  model?: PhoneModelName;
  /** Seeds all noise: same seed, same numbers (given the same timing). */
  seed?: number;
  /** '2+2' (default for 'Pixel'), '4+4' (default for 'Pixel 2'), or explicit clusters. */
  cores?: CoreLayout;
  /** Room temperature, degC (default 25). */
  ambientC?: number;
  /** Has /system/xbin/su (default false). */
  rooted?: boolean;
  /** /data/local/tmp/benchmark_model present (default true). */
  benchmarkModelInstalled?: boolean;
  /** Percent (default 85). */
  batteryLevel?: number;
  /** Charging over the USB cable while plugged (default true). */
  charging?: boolean;
  screenOn?: boolean;
  /** Real seconds per simulated second (default 1; tests use e.g. 0.05). */
  timeScale?: number;
  /** Thermal throttling: start (hottest CPU zone, degC; default 62) and strength (fraction/degC; default 0.04). */
  throttle?: Partial<ThrottleParams>;
  /** Which benchmark_model build is installed (default 'classic'). */
  benchmarkFlavor?: BenchmarkFlavor;
  /** PowerStats HAL with ODPM rails: AIDL 2.0 (dumpsys, default), HIDL 1.0 (lshal debug), or none. */
  powerStats?: PowerStatsHal;
  /**
   * adbd runs `shell:` commands on plain pipes rather than a PTY in raw mode (default false):
   * closing the session then signals nothing, and a program that neither reads nor writes
   * runs on (adb/daemon/shell_service.cpp, StartSubprocess, says why adbd moved to a PTY).
   */
  rawShellPipes?: boolean;
  /**
   * adbd demands AUTH and the RSA prompt is never accepted (default false): the adb server
   * lists the phone as `unauthorized` and opens nothing on it.
   */
  unauthorized?: boolean;
}

class ProcTable implements ProcessTable {
  private next = 12000;
  private readonly procs = new Map<number, ProcInfo & { ctl: AbortController }>();

  spawn(name: string, cmdline: string, uid: number, parent: AbortSignal, ppid: number): Proc {
    const pid = this.next++;
    const ctl = new AbortController();
    const onParent = (): void => ctl.abort();
    if (parent.aborted) ctl.abort();
    else parent.addEventListener('abort', onParent, { once: true });
    const sid = ppid === 0 ? pid : (this.procs.get(ppid)?.sid ?? pid);
    this.procs.set(pid, { pid, ppid: ppid === 0 ? ADBD_PID : ppid, sid, name, cmdline, uid, ctl });
    return {
      pid,
      signal: ctl.signal,
      exit: () => {
        parent.removeEventListener('abort', onParent);
        this.procs.delete(pid);
      },
    };
  }

  exec(pid: number, name: string, cmdline: string): void {
    const p = this.procs.get(pid);
    if (!p) return;
    p.name = name;
    p.cmdline = cmdline;
  }

  list(): ProcInfo[] {
    return [...this.procs.values()].map(({ pid, ppid, sid, name, cmdline, uid }) => ({ pid, ppid, sid, name, cmdline, uid }));
  }

  kill(pid: number, signal: number): boolean {
    const p = this.procs.get(pid);
    if (!p) return false;
    if (signal !== 0 && signal !== 18 && signal !== 19) p.ctl.abort();
    return true;
  }
}

function serialFromSeed(seed: number): string {
  const r = new Rng(seed ^ 0x5eed);
  const chars = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  let s = 'FA6';
  for (let i = 0; i < 9; i++) s += chars[Math.floor(r.next() * chars.length)] ?? '0';
  return s;
}

export class EmulatedPhone implements PhoneHost, ShellHost {
  /** Every command line the phone's shell received, in order (shell:, exec:, shell,v2:). */
  readonly commandLog: string[] = [];
  readonly spec: PhoneSpec;
  readonly physics: PhonePhysics;
  readonly rng: Rng;
  readonly rooted: boolean;
  readonly timeScale: number;
  readonly benchmarkFlavor: BenchmarkFlavor;
  readonly procs = new ProcTable();
  readonly serialNo: string;
  /** The PowerStats HAL (ODPM rails); tests set `powerStats.glitches` or call `powerStats.reset()`. */
  readonly powerStats: PowerStatsHalEmulator;
  /** Faults tests switch on (phone-host.ts): e.g. `faults.benchmarkHangs = 1`. */
  readonly faults: PhoneFaults = { benchmarkHangs: 0 };
  readonly rawShellPipes: boolean;
  readonly unauthorized: boolean;

  private readonly phoneFs: PhoneFs;
  private readonly shell: Shell;
  private readonly propMap: Map<string, string>;
  private readonly t0 = performance.now();
  private readonly bootEpochS: number;
  private readonly bootUptimeS = 4 * 3600;
  private readonly charger: boolean;
  private life = new AbortController();
  private server: DeviceServer | null = null;
  private listenPort = 0;
  private isPlugged = true;

  constructor(opts: EmulatedPhoneOptions = {}) {
    const seed = opts.seed ?? 1;
    this.spec = buildSpec(opts.model ?? 'Pixel', opts.cores);
    this.rng = new Rng(seed);
    this.rooted = opts.rooted ?? false;
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be > 0');
    this.benchmarkFlavor = opts.benchmarkFlavor ?? 'classic';
    this.charger = opts.charging ?? true;
    this.rawShellPipes = opts.rawShellPipes ?? false;
    this.unauthorized = opts.unauthorized ?? false;
    this.serialNo = opts.serialName ?? serialFromSeed(seed);
    this.bootEpochS = Date.now() / 1000 - this.bootUptimeS;
    this.physics = new PhonePhysics(
      this.spec,
      {
        ambientC: opts.ambientC ?? 25,
        throttle: { startC: opts.throttle?.startC ?? 62, strength: opts.throttle?.strength ?? 0.04, floor: opts.throttle?.floor ?? 0.35 },
        screenOn: opts.screenOn ?? true,
        charging: this.charger,
        batteryLevel: opts.batteryLevel ?? 85,
      },
      () => this.uptimeS(),
    );
    this.powerStats = new PowerStatsHalEmulator(opts.powerStats ?? 'aidl', this.physics, new Rng(seed ^ 0x0d9a), () => this.uptimeS());
    this.phoneFs = new PhoneFs(() => Math.floor(this.epochS()));
    const applets = buildApplets();
    this.shell = new Shell(this, applets);
    this.propMap = buildProps(this.spec, this.serialNo);
    installImage(this.phoneFs, this.spec, this.physics, { rooted: this.rooted, benchmarkModelInstalled: opts.benchmarkModelInstalled ?? true, applets: [...applets.keys()], serialNo: this.serialNo }, this);
  }

  // ---- lifecycle ----

  /** Listens on 127.0.0.1 (port 0: the OS picks; keep clear of 5555-5585) and returns the port. */
  async start(port = 0): Promise<number> {
    if (this.server) return this.listenPort;
    const server = new DeviceServer({
      banner: `device::ro.product.name=${this.spec.productName};ro.product.model=${this.spec.model};ro.product.device=${this.spec.device};features=shell_v2,cmd,stat_v2`,
      openService: (stream) => this.openService(stream),
      auth: this.unauthorized ? 'never-accept' : 'none',
    });
    this.listenPort = await server.listen(port);
    this.server = server;
    await server.setPlugged(this.isPlugged);
    return this.listenPort;
  }

  get port(): number {
    return this.listenPort;
  }

  /** The serial adb gives this phone once connected: 127.0.0.1:PORT. */
  get serial(): string {
    return `127.0.0.1:${this.listenPort}`;
  }

  async stop(): Promise<void> {
    this.life.abort();
    this.physics.clearLoads();
    const s = this.server;
    this.server = null;
    await s?.close();
  }

  /**
   * Pulls the cable: every connection drops, the port stops listening (connects get
   * ECONNREFUSED), running programs die, charging stops. The adb server keeps the device
   * listed as `offline` and retries about every 10 s.
   */
  unplug(): void {
    this.isPlugged = false;
    void this.server?.setPlugged(false);
    this.life.abort();
    this.physics.clearLoads();
    this.physics.sync();
    this.physics.charging = false;
  }

  /** Plugs the cable back in: the port listens again; the adb server reconnects on its next retry (<= ~10 s). */
  async replug(): Promise<void> {
    this.isPlugged = true;
    this.life = new AbortController();
    this.physics.sync();
    this.physics.charging = this.charger;
    await this.server?.setPlugged(true);
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  // ---- what tests look at ----

  get fs(): PhoneFs {
    return this.phoneFs;
  }

  /** Hottest CPU thermal zone now, degC. */
  get temperatureC(): number {
    return this.physics.temperatureC();
  }

  get ambientC(): number {
    return this.physics.ambientC;
  }

  set ambientC(c: number) {
    this.physics.sync();
    this.physics.ambientC = c;
  }

  /** Adds heat at once (e.g. to force throttling in a test). */
  heat(deltaC: number): void {
    this.physics.heat(deltaC);
  }

  // ---- PhoneHost ----

  get lifeSignal(): AbortSignal {
    return this.life.signal;
  }

  uptimeS(): number {
    return this.bootUptimeS + (performance.now() - this.t0) / 1000 / this.timeScale;
  }

  epochS(): number {
    return this.bootEpochS + this.uptimeS();
  }

  sleepSim(seconds: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (seconds <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        if (timer) clearTimeout(timer);
        resolve(false);
      };
      const ms = seconds * this.timeScale * 1000;
      if (Number.isFinite(ms)) {
        timer = setTimeout(
          () => {
            signal.removeEventListener('abort', onAbort);
            resolve(true);
          },
          Math.min(ms, 2 ** 31 - 1),
        );
      }
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  props(): Map<string, string> {
    return this.propMap;
  }

  setProp(name: string, value: string): boolean {
    if (name === '' || (name.startsWith('ro.') && this.propMap.has(name))) return false;
    this.propMap.set(name, value);
    return true;
  }

  setScreen(on: boolean): void {
    this.physics.sync();
    this.physics.screenOn = on;
  }

  dumpsys(service: string, args: readonly string[] = []): string | null {
    if (service === AIDL_SERVICE) return this.powerStats.dumpAidl(args);
    return dumpsys(service, this.spec, this.physics, this.uptimeS());
  }

  lshalDebug(instance: string): string | null {
    return instance === HIDL_SERVICE ? this.powerStats.dumpHidl() : null;
  }

  runBenchmark(argv: string[], ctx: { state: ShellState; io: Io; signal: AbortSignal }): Promise<number> {
    return runBenchmarkModel(argv, { host: this, ...ctx });
  }

  // ---- ShellHost ----

  prompt(): string {
    return `${this.spec.device}:/ $ `;
  }

  async runCommandLine(line: string, io: Io, signal: AbortSignal, env: Record<string, string>): Promise<number> {
    this.commandLog.push(line);
    const vars = new Map<string, string>([
      ['PATH', PATH],
      ['HOME', '/'],
      ['SHELL', SH],
      ['HOSTNAME', this.spec.device],
      ['LOGNAME', 'shell'],
      ['USER', 'shell'],
      ['TMPDIR', '/data/local/tmp'],
      ['ANDROID_DATA', '/data'],
      ['ANDROID_ROOT', '/system'],
      ['EXTERNAL_STORAGE', '/sdcard'],
      ...Object.entries(env),
    ]);
    // adbd forks `sh -c LINE` in a session of its own (setsid), parented by adbd.
    const session = this.procs.spawn('sh', `${SH} -c ${line}`, SHELL_CRED.uid, AbortSignal.any([signal, this.life.signal]), 0);
    const state: ShellState = {
      pid: session.pid,
      vars,
      cwd: '/',
      cred: SHELL_CRED,
      affinity: this.spec.cores.map((c) => c.id),
      lastStatus: 0,
      positional: [],
      argv0: SH,
      lastBgPid: 0,
      jobs: [],
    };
    try {
      const status = await this.shell.run(line, state, io, session.signal);
      // adbd keeps the session open while a background job still writes to it.
      for (const job of state.jobs) if (job.holdsSession) await job.done;
      return status;
    } finally {
      session.exit();
    }
  }

  // ---- adb services ----

  private openService(stream: DeviceStream): boolean {
    const name = stream.service;
    const guard = (p: Promise<void>): void => {
      p.catch((err: unknown) => {
        if (process.env.ADB_PHONE_DEBUG === '1') process.stderr.write(`[phone] service ${name} failed: ${String(err)}\n`);
        stream.close();
      });
    };
    const reply = (text: string): void =>
      guard(
        (async () => {
          stream.accept();
          await stream.write(text);
          await stream.end();
        })(),
      );
    const shell = /^shell(,[^:]*)?:([\s\S]*)$/.exec(name);
    if (shell) {
      const args = (shell[1] ?? '').split(',').filter(Boolean);
      const command = shell[2] ?? '';
      const v2 = args.includes('v2');
      const env: Record<string, string> = {};
      for (const a of args) if (a.startsWith('TERM=')) env.TERM = a.slice(5);
      const pty = args.includes('pty') || (!args.includes('raw') && command === '');
      guard(runShellService(stream, this, { command, v2, pty, env, hangup: v2 || pty || !this.rawShellPipes }));
      return true;
    }
    if (name.startsWith('exec:')) {
      guard(runShellService(stream, this, { command: name.slice(5), v2: false, pty: false, env: {}, hangup: !this.rawShellPipes }));
      return true;
    }
    if (name === 'sync:') {
      guard(runSyncService(stream, this.phoneFs));
      return true;
    }
    if (name === 'root:') {
      reply('adbd cannot run as root in production builds\n');
      return true;
    }
    if (name === 'unroot:') {
      reply('adbd not running as root\n');
      return true;
    }
    if (name.startsWith('remount:')) {
      reply('Not running as root. Try "adb root" first.\n');
      return true;
    }
    return false;
  }
}
