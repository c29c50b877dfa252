import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from './bench-env';

/** The built service, started the way scripts/stack.sh starts it. */
export const EXPIRY_MAIN = join('dist', 'apps', 'expiry', 'src', 'main.js');

export interface ExpiryServiceEnv {
  databaseUrl: string;
  brokers: string;
  topicPrefix: string;
  jwtSecret: string;
  httpPort: number;
}

export interface MemorySample {
  rssKb: number;
  hwmKb: number;
}

/**
 * The real expiry service as a child process. Only the variables a deployment sets are passed;
 * EXPIRY_* stay unset so the defaults apply. Its log goes to a file, as under the stack script.
 */
export class ExpiryServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;

  constructor(
    private readonly env: ExpiryServiceEnv,
    private readonly logFile: string,
  ) {
    if (!existsSync(EXPIRY_MAIN)) throw new Error(`${EXPIRY_MAIN} is missing; run npm run build`);
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Spawns the service; returns the moment of the spawn (ms since the epoch). */
  start(): number {
    if (this.child) throw new Error('the expiry service is already running');
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [EXPIRY_MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: this.env.databaseUrl,
        KAFKA_BROKERS: this.env.brokers,
        KAFKA_TOPIC_PREFIX: this.env.topicPrefix,
        JWT_SECRET: this.env.jwtSecret,
        HTTP_PORT: String(this.env.httpPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const spawnedAt = Date.now();
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
    return spawnedAt;
  }

  /** Waits for `GET /health` to answer 200; returns when it did (ms since the epoch). */
  async waitHealthy(timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited?.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`the expiry service exited with ${exitCode}; see ${this.logFile}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${this.env.httpPort}/health`);
        if (response.status === 200) return Date.now();
      } catch {
        // Not listening yet.
      }
      await sleep(20);
    }
    throw new Error(`the expiry service was not healthy within ${timeoutMs} ms`);
  }

  /** Sends SIGTERM and waits for the exit; returns when it exited (ms since the epoch). */
  async stop(timeoutMs = 30_000): Promise<number> {
    const child = this.child;
    if (!child || !this.exited) return Date.now();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
    this.exited = null;
    return Date.now();
  }

  async memory(): Promise<MemorySample | null> {
    if (!this.child?.pid) return null;
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

/** Samples the service's memory until stopped; keeps the largest resident size seen. */
export class MemoryWatch {
  private peakRssKb = 0;
  private lastHwmKb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly service: ExpiryServiceProcess,
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
