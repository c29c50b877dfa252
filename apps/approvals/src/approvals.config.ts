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

export interface ApprovalsConfig extends ServiceSettings {
  auth: AuthConfig;
  /** Read once at start-up; a change takes effect on restart. */
  policyFile: string;
}

export function loadApprovalsConfig(env: NodeJS.ProcessEnv): ApprovalsConfig {
  const parsed = loadConfig(ApprovalsEnv, env);
  return {
    ...serviceSettings('approvals', parsed),
    auth: authConfigFrom(parsed),
    policyFile: parsed.POLICY_FILE,
  };
}
