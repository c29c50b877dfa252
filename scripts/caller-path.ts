import { resolve } from 'node:path';

/**
 * A file named on the command line, as the caller meant it: `npm run` starts scripts in the
 * package root and says in INIT_CWD where it was called from.
 */
export function callerPath(file: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  return resolve(env.INIT_CWD || cwd, file);
}
