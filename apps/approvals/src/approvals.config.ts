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

const ApprovalsEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3002),
    POLICY_FILE: z
      .string()
      .min(1, 'must name the policy file')
      .default('config/access-policies.yaml'),
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface ApprovalsConfig {
  runtime: Omit<ServiceRuntimeOptions, 'migrations' | 'clock'>;
  logLevel: string;
  http: { host: string; port: number };
  auth: AuthConfig;
  /** Read once at start-up; a change takes effect on restart. */
  policyFile: string;
}

export function loadApprovalsConfig(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const parsed = loadConfig(ApprovalsEnv, env);
  return {
    runtime: {
      service: 'approvals',
      schema: 'approvals',
      databaseUrl: parsed.DATABASE_URL,
      databasePoolSize: parsed.DATABASE_POOL_SIZE,
      messaging: {
        brokers: parsed.KAFKA_BROKERS,
        clientId: 'jit-approvals',
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
    policyFile: parsed.POLICY_FILE,
  };
}
