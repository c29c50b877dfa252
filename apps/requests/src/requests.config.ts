import { resolve } from 'node:path';
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

export interface RequestsConfig extends ServiceSettings {
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
    ...serviceSettings('requests', parsed),
    auth: authConfigFrom(parsed),
    policyFile: resolve(workingDirectory, parsed.POLICY_FILE),
  };
}
