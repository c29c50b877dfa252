import { z } from 'zod';
import { AuthConfig } from '@app/auth';
import { Identifier } from '@app/contracts';
import {
  authEnv,
  commonEnv,
  httpPort,
  keySourceMessage,
  loadConfig,
  requireOneKeySource,
  ServiceRuntimeOptions,
} from '@app/platform';

const groupList = z
  .string()
  .default('security-leads,sre,auditors')
  .transform((value) =>
    value
      .split(',')
      .map((group) => group.trim())
      .filter((group) => group.length > 0),
  )
  .pipe(z.array(Identifier).min(1, 'name at least one group'));

const LedgerEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3005),
    /** Comma-separated groups whose members may read the ledger and its projections. */
    LEDGER_READER_GROUPS: groupList,
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface LedgerConfig {
  runtime: Omit<ServiceRuntimeOptions, 'migrations' | 'clock'>;
  logLevel: string;
  http: { host: string; port: number };
  auth: AuthConfig;
  readerGroups: string[];
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const parsed = loadConfig(LedgerEnv, env);
  return {
    runtime: {
      service: 'ledger',
      schema: 'ledger',
      databaseUrl: parsed.DATABASE_URL,
      databasePoolSize: parsed.DATABASE_POOL_SIZE,
      messaging: {
        brokers: parsed.KAFKA_BROKERS,
        clientId: 'jit-ledger',
        topicPrefix: parsed.KAFKA_TOPIC_PREFIX,
      },
    },
    logLevel: parsed.LOG_LEVEL,
    http: { host: parsed.HTTP_HOST, port: parsed.HTTP_PORT },
    auth: {
      jwtSecret: parsed.JWT_SECRET,
      jwksUrl: parsed.JWT_JWKS_URL,
      issuer: parsed.JWT_ISSUER,
      audience: parsed.JWT_AUDIENCE,
    },
    readerGroups: parsed.LEDGER_READER_GROUPS,
  };
}
