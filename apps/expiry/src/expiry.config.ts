import { z } from 'zod';
import { AuthConfig } from '@app/auth';
import {
  authEnv,
  commonEnv,
  httpPort,
  keySourceMessage,
  loadConfig,
  requireOneKeySource,
  ServiceRuntimeOptions,
} from '@app/platform';

const ExpiryEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3003),
    EXPIRY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60000).default(250),
    // The upper bound keeps one batch's outbox insert well under PostgreSQL's parameter limit.
    EXPIRY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface SchedulerOptions {
  /** How long the scheduler waits after finding nothing more that is due. */
  pollIntervalMs: number;
  /** Deadlines fired per transaction. */
  batchSize: number;
}

export interface ExpiryConfig {
  runtime: Omit<ServiceRuntimeOptions, 'migrations' | 'clock'>;
  logLevel: string;
  http: { host: string; port: number };
  auth: AuthConfig;
  scheduler: SchedulerOptions;
}

export function loadExpiryConfig(env: NodeJS.ProcessEnv): ExpiryConfig {
  const values = loadConfig(ExpiryEnv, env);
  return {
    runtime: {
      service: 'expiry',
      schema: 'expiry',
      databaseUrl: values.DATABASE_URL,
      databasePoolSize: values.DATABASE_POOL_SIZE,
      messaging: {
        brokers: values.KAFKA_BROKERS,
        clientId: 'jit-expiry',
        topicPrefix: values.KAFKA_TOPIC_PREFIX,
      },
    },
    logLevel: values.LOG_LEVEL,
    http: { host: values.HTTP_HOST, port: values.HTTP_PORT },
    auth: {
      jwtSecret: values.JWT_SECRET,
      jwksUrl: values.JWT_JWKS_URL,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
    },
    scheduler: {
      pollIntervalMs: values.EXPIRY_POLL_INTERVAL_MS,
      batchSize: values.EXPIRY_BATCH_SIZE,
    },
  };
}
