import { z } from 'zod';
import { AuthConfig, authConfigFrom } from '@app/auth';
import { Identifier } from '@app/contracts';
import { parseDuration } from '@app/domain';
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
import { createPublicKey, KeyObject } from 'node:crypto';
import { AnomalyThresholds, isKnownTimeZone } from './anomalies/anomaly.rules';
import { keyIdOf } from './chain/checkpoint-signature';
import { signingKeyFrom, verifyingKeysFrom } from './checkpoints/checkpoint-keys';
import { LEDGER_SERVICE_ROLE } from './migrations/1797000000000-EnforceAppendOnlyAndCheckpoints';

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

const durationOf = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const parsed = parseDuration(value);
      if (parsed.ok) return parsed.value.milliseconds;
      context.addIssue({ code: 'custom', message: parsed.error.message });
      return z.NEVER;
    });

const positive = (fallback: number) => z.coerce.number().positive().default(fallback);
const atLeastOne = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const workingDays = z
  .string()
  .default('Mon,Tue,Wed,Thu,Fri')
  .transform((value) =>
    value
      .split(',')
      .map((day) => day.trim())
      .filter((day) => day.length > 0),
  )
  .pipe(z.array(z.enum(WEEKDAYS, 'name days as Mon, Tue, … Sun')).min(1, 'name at least one day'))
  .transform((days) =>
    [...new Set(days.map((day) => WEEKDAYS.indexOf(day)))].sort((a, b) => a - b),
  );

const clockTime = /^([01]\d|2[0-3]):([0-5]\d)$/;
const workingHours = z
  .string()
  .default('08:00-18:00')
  .transform((value, context) => {
    const [start, end] = value.split('-').map((part) => part.trim());
    const startMatch = clockTime.exec(start ?? '');
    const endMatch = clockTime.exec(end ?? '');
    const minutes = (match: RegExpExecArray) => Number(match[1]) * 60 + Number(match[2]);
    if (!startMatch || !endMatch || minutes(startMatch) >= minutes(endMatch)) {
      context.addIssue({ code: 'custom', message: 'write it as HH:MM-HH:MM, start before end' });
      return z.NEVER;
    }
    return { startMinute: minutes(startMatch), endMinute: minutes(endMatch) };
  });

const keyMessage = (error: unknown) =>
  typeof (error as Error)?.message === 'string' ? (error as Error).message : String(error);

const signingKey = z
  .string({ error: 'is required: an Ed25519 private key PEM, or @/path/to/key.pem' })
  .min(1, 'is required: an Ed25519 private key PEM, or @/path/to/key.pem')
  .transform((value, context) => {
    try {
      return signingKeyFrom(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: keyMessage(error) });
      return z.NEVER;
    }
  });

const verifyingKeys = z
  .string()
  .optional()
  .transform((value, context) => {
    try {
      return verifyingKeysFrom(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: keyMessage(error) });
      return z.NEVER;
    }
  });

const LedgerEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3005),
    /** Comma-separated groups whose members may read the ledger and its projections. */
    LEDGER_READER_GROUPS: groupList,
    /** opt-out-frequency-above-baseline: the window counted, and how many before it make the baseline. */
    ANOMALY_FREQUENCY_WINDOW: durationOf('P7D'),
    ANOMALY_FREQUENCY_BASELINE_WINDOWS: atLeastOne(8),
    ANOMALY_FREQUENCY_MIN_COUNT: atLeastOne(3),
    ANOMALY_FREQUENCY_RATIO: positive(3),
    /** break-glass-outside-hours: working days, hours and the zone they are read in. */
    ANOMALY_WORKING_DAYS: workingDays,
    ANOMALY_WORKING_HOURS: workingHours,
    ANOMALY_TIMEZONE: z
      .string()
      .default('UTC')
      .refine(isKnownTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin'),
    /** repeated-maximum-duration: how many at the maximum, within what window. */
    ANOMALY_MAX_DURATION_REPEATS: atLeastOne(3),
    ANOMALY_MAX_DURATION_WINDOW: durationOf('P30D'),
    /** mutual-approvals: how far back an approval in the other direction counts. */
    ANOMALY_MUTUAL_APPROVAL_LOOKBACK: durationOf('P90D'),
    /** approval-too-fast: the floor, plus reading time for the justification. */
    ANOMALY_APPROVAL_FLOOR_SECONDS: z.coerce.number().min(0).default(10),
    ANOMALY_READING_CHARS_PER_SECOND: positive(20),
    /** Signs the checkpoints: an Ed25519 private key (PKCS#8 PEM, or @file). */
    LEDGER_CHECKPOINT_KEY: signingKey,
    /** Verify checkpoints (several, for rotation); the public half of the signing key if empty. */
    LEDGER_CHECKPOINT_PUBLIC_KEYS: verifyingKeys,
    /** A checkpoint every this many entries, and of the head at least this often after appends. */
    LEDGER_CHECKPOINT_EVERY: atLeastOne(1000),
    LEDGER_CHECKPOINT_INTERVAL: durationOf('PT1M'),
    /** The role the service's connections act as after migrations; empty keeps the login's own. */
    LEDGER_DATABASE_ROLE: z
      .string()
      .regex(/^([a-z_][a-z0-9_]*)?$/, 'must be a plain role name (a-z, 0-9, _) or empty')
      .default(LEDGER_SERVICE_ROLE),
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface LedgerConfig extends ServiceSettings {
  auth: AuthConfig;
  readerGroups: string[];
  anomalies: AnomalyThresholds;
  checkpoints: CheckpointSettings;
}

export interface CheckpointSettings {
  signingKey: KeyObject;
  /** The keys `GET /ledger/verify` accepts checkpoints from: the listed ones and its own. */
  verifyingKeys: KeyObject[];
  every: number;
  intervalMs: number;
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const parsed = loadConfig(LedgerEnv, env);
  const settings = serviceSettings('ledger', parsed);
  return {
    ...settings,
    runtime: { ...settings.runtime, databaseRole: parsed.LEDGER_DATABASE_ROLE || undefined },
    auth: authConfigFrom(parsed),
    readerGroups: parsed.LEDGER_READER_GROUPS,
    anomalies: {
      frequency: {
        windowMs: parsed.ANOMALY_FREQUENCY_WINDOW,
        baselineWindows: parsed.ANOMALY_FREQUENCY_BASELINE_WINDOWS,
        minimumCount: parsed.ANOMALY_FREQUENCY_MIN_COUNT,
        ratio: parsed.ANOMALY_FREQUENCY_RATIO,
      },
      workingHours: {
        timeZone: parsed.ANOMALY_TIMEZONE,
        days: parsed.ANOMALY_WORKING_DAYS,
        ...parsed.ANOMALY_WORKING_HOURS,
      },
      maximumDuration: {
        repeats: parsed.ANOMALY_MAX_DURATION_REPEATS,
        windowMs: parsed.ANOMALY_MAX_DURATION_WINDOW,
      },
      mutualApprovalLookbackMs: parsed.ANOMALY_MUTUAL_APPROVAL_LOOKBACK,
      approvalReading: {
        floorSeconds: parsed.ANOMALY_APPROVAL_FLOOR_SECONDS,
        charactersPerSecond: parsed.ANOMALY_READING_CHARS_PER_SECOND,
      },
    },
    checkpoints: {
      signingKey: parsed.LEDGER_CHECKPOINT_KEY,
      verifyingKeys: withOwnKey(parsed.LEDGER_CHECKPOINT_PUBLIC_KEYS, parsed.LEDGER_CHECKPOINT_KEY),
      every: parsed.LEDGER_CHECKPOINT_EVERY,
      intervalMs: parsed.LEDGER_CHECKPOINT_INTERVAL,
    },
  };
}

// The service always trusts the checkpoints it signs itself; the listed keys add earlier ones.
function withOwnKey(listed: KeyObject[], signingKey: KeyObject): KeyObject[] {
  const own = createPublicKey(signingKey);
  return listed.some((key) => keyIdOf(key) === keyIdOf(own)) ? listed : [...listed, own];
}
