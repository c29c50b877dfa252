import { z } from 'zod';
import { AuthConfig, authConfigFrom } from '@app/auth';
import {
  authEnv,
  commonEnv,
  httpPort,
  keySourceMessage,
  loadConfig,
  requireOneKeySource,
  serviceSettings,
  ServiceSettings,
} from '@app/platform';

const ExpiryEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3003),
    EXPIRY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60000).default(250),
    // The upper bound keeps one batch's outbox insert well under PostgreSQL's parameter limit.
    // A batch only fills when a backlog is due; then 1,000 per transaction drained a burst about
    // a quarter faster than 200, the statements' fixed costs shared by five times the rows.
    EXPIRY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface SchedulerOptions {
  /** How long the scheduler waits after finding nothing more that is due. */
  pollIntervalMs: number;
  /** Deadlines fired per transaction. */
  batchSize: number;
}

export interface ExpiryConfig extends ServiceSettings {
  auth: AuthConfig;
  scheduler: SchedulerOptions;
}

export function loadExpiryConfig(env: NodeJS.ProcessEnv): ExpiryConfig {
  const values = loadConfig(ExpiryEnv, env);
  return {
    ...serviceSettings('expiry', values),
    auth: authConfigFrom(values),
    scheduler: {
      pollIntervalMs: values.EXPIRY_POLL_INTERVAL_MS,
      batchSize: values.EXPIRY_BATCH_SIZE,
    },
  };
}
