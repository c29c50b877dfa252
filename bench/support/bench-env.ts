import { createServer } from 'node:net';

/** A whole number of at least `minimum` from the environment, or `fallback` when unset. */
export function positiveFromEnv(name: string, fallback: number, minimum = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be a whole number of at least ${minimum}, not "${raw}"`);
  }
  return value;
}

/** A comma-separated list of sizes from the environment (`10000,100000`; `1_000_000` reads too). */
export function sizesFromEnv(name: string, fallback: number[], minimum = 1): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const sizes = raw.split(',').map((part) => Number(part.trim().replace(/_/g, '')));
  if (sizes.some((size) => !Number.isInteger(size) || size < minimum)) {
    throw new Error(
      `${name} must list whole numbers of at least ${minimum}, e.g. 10000,100000; not "${raw}"`,
    );
  }
  return sizes;
}

/** A line of progress, prefixed with the time of day in UTC. */
export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** A TCP port nobody listens on right now, as the operating system hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Settles as `work` does, or fails after `ms` with the message `failure` gives then; the timer is
 * cleared either way, so a finished benchmark does not wait for it to run out.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  failure: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(failure())), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
