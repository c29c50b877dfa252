import { ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { sleep } from './bench-env';

export interface LedgerProcessOptions {
  /** The built entry point, e.g. dist/apps/ledger/src/main.js. */
  main: string;
  /** Extra Node.js options for the service, e.g. --cpu-prof to see where its time goes. */
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  /** Where the service's stdout and stderr go, replaced at each start. */
  logFile: string;
}

/**
 * The ledger service as a deployment runs it: its own Node.js process started from the build,
 * configured through its environment only, ready once `/health` answers 200.
 */
export class LedgerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private exitCode: number | null | undefined = undefined;

  constructor(private readonly options: LedgerProcessOptions) {}

  /** Spawns the service; returns the wall-clock instant of the spawn. */
  spawn(): number {
    const log = openSync(this.options.logFile, 'w');
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
        throw new Error(`the ledger exited with code ${this.exitCode} before it was ready`);
      }
      const answered = await fetch(url).then(
        (response) => response.status,
        () => 0,
      );
      if (answered === 200) return Date.now();
      await sleep(25);
    }
    throw new Error(`the ledger did not answer 200 on ${url} within ${timeoutMs} ms`);
  }

  /** Asks for a clean shutdown (its consumers leave their group), then kills it if it hangs. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || this.hasExited) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs)]);
    if (stopped !== true) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = null;
  }
}
