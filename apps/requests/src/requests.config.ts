import { resolve } from 'node:path';
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

const RequestsEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3001),
    POLICY_FILE: z
      .string()
      .min(1, 'must name the policy file')
      .default('config/access-policies.yaml'),
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface RequestsConfig {
  runtime: Omit<ServiceRuntimeOptions, 'migrations' | 'clock'>;
  logLevel: string;
  http: { host: string; port: number };
  auth: AuthConfig;
  /** Absolute path; read once at start-up, so a change takes effect on restart. */
  policyFile: string;
}

export function loadRequestsConfig(
  env: NodeJS.ProcessEnv,
  workingDirectory: string = process.cwd(),
): RequestsConfig {
  const parsed = loadConfig(RequestsEnv, env);
  return {
    runtime: {
      service: 'requests',
      schema: 'requests',
      databaseUrl: parsed.DATABASE_URL,
      databasePoolSize: parsed.DATABASE_POOL_SIZE,
      messaging: {
        brokers: parsed.KAFKA_BROKERS,
        clientId: 'jit-requests',
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
    policyFile: resolve(workingDirectory, parsed.POLICY_FILE),
  };
}
