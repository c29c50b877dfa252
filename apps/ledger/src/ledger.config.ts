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
import { AnomalyThresholds, isKnownTimeZone } from './anomalies/anomaly.rules';

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
  })
  .refine(requireOneKeySource, keySourceMessage);

export interface LedgerConfig extends ServiceSettings {
  auth: AuthConfig;
  readerGroups: string[];
  anomalies: AnomalyThresholds;
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const parsed = loadConfig(LedgerEnv, env);
  return {
    ...serviceSettings('ledger', parsed),
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
  };
}
