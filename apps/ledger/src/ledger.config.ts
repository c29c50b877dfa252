import { z } from 'zod';
import { AuthConfig, authConfigFrom } from '@app/auth';
import { Identifier } from '@app/contracts';
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

export interface LedgerConfig extends ServiceSettings {
  auth: AuthConfig;
  readerGroups: string[];
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const parsed = loadConfig(LedgerEnv, env);
  return {
    ...serviceSettings('ledger', parsed),
    auth: authConfigFrom(parsed),
    readerGroups: parsed.LEDGER_READER_GROUPS,
  };
}
