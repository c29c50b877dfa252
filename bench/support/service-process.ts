import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sleep } from './bench-env';

export interface ServiceProcessOptions {
  /** What the logs and errors call it, e.g. "the ledger". */
  name: string;
  /** The built entry point, e.g. dist/apps/ledger/src/main.js. */
  main: string;
  /** Extra Node.js options for the service, e.g. --cpu-prof to see where its time goes. */
  nodeArgs?: string[];
  /** Its whole environment: a service is configured through it only. */
  env: NodeJS.ProcessEnv;
  port: number;
  /** Where its stdout and stderr go: replaced at each start, or appended to across restarts. */
  logFile: string;
  appendLog?: boolean;
}

export interface MemorySample {
  rssKb: number;
  hwmKb: number;
}

/**
 * A service as a deployment runs it: its own Node.js process started from the build, configured
 * through its environment, ready once `/health` answers 200. It may be stopped and started again.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private exitCode: number | null | undefined = undefined;

  constructor(private readonly options: ServiceProcessOptions) {
    if (!existsSync(options.main)) throw new Error(`${options.main} is missing; run npm run build`);
  }

  /** Spawns the service; returns the wall-clock instant of the spawn. */
  start(): number {
    if (this.child && !this.hasExited) throw new Error(`${this.options.name} is already running`);
    const log = openSync(this.options.logFile, this.options.appendLog ? 'a' : 'w');
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), this.options.main], {
      env: this.options.env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exitCode = undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
    return spawnedAt;
  }

  /** True once the process has ended, whatever the reason. */
  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** Polls `/health` until it answers 200; returns the wall-clock instant it first did. */
  async waitUntilReady(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const url = `http://127.0.0.1:${this.options.port}/health`;
    while (Date.now() < deadline) {
      if (this.hasExited) {
        throw new Error(
          `${this.options.name} exited with code ${this.exitCode} before it was ready; ` +
            `see ${this.options.logFile}`,
        );
      }
      const answered = await fetch(url).then(
        (response) => response.status,
        () => 0,
      );
      if (answered === 200) return Date.now();
      await sleep(20);
    }
    throw new Error(`${this.options.name} did not answer 200 on ${url} within ${timeoutMs} ms`);
  }

  /**
   * Asks for a clean shutdown (its consumers leave their group), kills it if it hangs; returns
   * the wall-clock instant it exited.
   */
  async stop(graceMs = 30_000): Promise<number> {
    const child = this.child;
    if (!child || this.hasExited) return Date.now();
    child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs)]);
    if (stopped !== true) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = null;
    return Date.now();
  }

  /** Its resident memory now and at its highest, from /proc; null when it is not running. */
  async memory(): Promise<MemorySample | null> {
    if (!this.child?.pid || this.hasExited) return null;
    try {
      const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
      return { rssKb: statusField(status, 'VmRSS'), hwmKb: statusField(status, 'VmHWM') };
    } catch {
      return null;
    }
  }

  /** User plus system CPU time of the process so far, in milliseconds. */
  async cpuMs(): Promise<number> {
    if (!this.child?.pid) return 0;
    const stat = await readFile(`/proc/${this.child.pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  }
}

// Linux's USER_HZ; /proc reports CPU time in these ticks.
const CLOCK_TICKS_PER_SECOND = 100;

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** Samples a service's memory until stopped; keeps the largest resident size seen. */
export class MemoryWatch {
  private peakRssKb = 0;
  private lastHwmKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly service: ServiceProcess,
    private readonly everyMs = 200,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  async stop(): Promise<{ peakRssKb: number; hwmKb: number }> {
    if (this.timer) clearInterval(this.timer);
    await this.sample();
    return { peakRssKb: this.peakRssKb, hwmKb: this.lastHwmKb };
  }

  private async sample(): Promise<void> {
    const memory = await this.service.memory();
    if (!memory) return;
    this.peakRssKb = Math.max(this.peakRssKb, memory.rssKb);
    this.lastHwmKb = Math.max(this.lastHwmKb, memory.hwmKb);
  }
}
