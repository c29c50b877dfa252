import { AnomalyRule, OptOutKind, Principal } from '@app/contracts';
import { formatDuration, parseDuration } from '@app/domain';

/** What a rule found, before it becomes an AnomalyDetected event. */
export interface Finding {
  rule: AnomalyRule;
  /** 0 (barely unusual) to 1. */
  score: number;
  reason: string;
  subject: string;
  team: string | null;
  resource: string | null;
  /** The first is the partition key of the event. */
  relatedIds: string[];
}

export interface WorkingHours {
  /** An IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** Days of the week that are working days, 0 for Sunday to 6 for Saturday. */
  days: number[];
  /** Minutes after local midnight: working time is [startMinute, endMinute). */
  startMinute: number;
  endMinute: number;
}

export interface AnomalyThresholds {
  frequency: {
    windowMs: number;
    /** How many windows before the last one make the baseline. */
    baselineWindows: number;
    minimumCount: number;
    ratio: number;
  };
  workingHours: WorkingHours;
  maximumDuration: { repeats: number; windowMs: number };
  mutualApprovalLookbackMs: number;
  approvalReading: { floorSeconds: number; charactersPerSecond: number };
}

export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  frequency: { windowMs: 7 * 86_400_000, baselineWindows: 8, minimumCount: 3, ratio: 3 },
  workingHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5], startMinute: 8 * 60, endMinute: 18 * 60 },
  maximumDuration: { repeats: 3, windowMs: 30 * 86_400_000 },
  mutualApprovalLookbackMs: 90 * 86_400_000,
  approvalReading: { floorSeconds: 10, charactersPerSecond: 20 },
};

const clamp = (value: number) => Math.min(1, Math.max(0, value));
const round = (value: number) => Math.round(value * 100) / 100;
const duration = (ms: number) => formatDuration(Math.round(ms / 1000) * 1000);

export interface FrequencyInput {
  optOutId: string;
  subject: string;
  /** The requester's groups, each counted as a team. */
  teams: readonly string[];
  resource: string;
  activatedAt: string;
  /** Activation instants of the person's earlier opt-outs. */
  personHistory: readonly string[];
  /** Activation instants of earlier opt-outs of each team's members. */
  teamHistory: ReadonlyMap<string, readonly string[]>;
}

/**
 * A person's or a team's opt-outs in the last window against their own average per window over the
 * windows before it. One finding per activation: the most unusual scope, naming every scope that
 * fired.
 */
export function frequencyAboveBaseline(
  input: FrequencyInput,
  thresholds: AnomalyThresholds['frequency'],
): Finding | null {
  const scopes: { team: string | null; name: string; history: readonly string[] }[] = [
    { team: null, name: input.subject, history: input.personHistory },
    ...input.teams.map((team) => ({
      team,
      name: `team ${team}`,
      history: input.teamHistory.get(team) ?? [],
    })),
  ];
  const fired = scopes.flatMap((scope) => {
    const rate = activationRate(scope.history, input.activatedAt, thresholds);
    return rate ? [{ ...scope, ...rate }] : [];
  });
  if (fired.length === 0) return null;

  const strongest = fired.reduce((best, scope) => (scope.score > best.score ? scope : best));
  const window = duration(thresholds.windowMs);
  const described = fired.map(
    (scope) =>
      `${scope.name}: ${scope.recent} opt-outs in the last ${window} against a baseline of ` +
      `${round(scope.baseline)} per ${window}`,
  );
  return {
    rule: 'opt-out-frequency-above-baseline',
    score: strongest.score,
    reason: described.join('; '),
    subject: input.subject,
    team: fired.find((scope) => scope.team !== null)?.team ?? null,
    resource: input.resource,
    relatedIds: [input.optOutId],
  };
}

function activationRate(
  history: readonly string[],
  at: string,
  thresholds: AnomalyThresholds['frequency'],
): { recent: number; baseline: number; score: number } | null {
  const now = Date.parse(at);
  const windowStart = now - thresholds.windowMs;
  const baselineStart = windowStart - thresholds.windowMs * thresholds.baselineWindows;
  const instants = history.map(Date.parse);
  const recent = 1 + instants.filter((t) => t > windowStart && t <= now).length;
  const earlier = instants.filter((t) => t > baselineStart && t <= windowStart).length;
  const baseline = earlier / thresholds.baselineWindows;
  if (recent < thresholds.minimumCount || recent < thresholds.ratio * baseline) return null;

  // An empty baseline counts as one opt-out in all its windows, so the ratio stays finite.
  const ratio = recent / Math.max(baseline, 1 / thresholds.baselineWindows);
  return { recent, baseline, score: round(clamp(1 - thresholds.ratio / (2 * ratio))) };
}

export interface BreakGlassRequestInput {
  optOutId: string;
  kind: OptOutKind;
  requester: Principal;
  resource: string;
  requestedAt: string;
}

/** A break-glass asked for outside working hours by someone whose token does not say on call. */
export function breakGlassOutsideHours(
  input: BreakGlassRequestInput,
  hours: WorkingHours,
): Finding | null {
  if (input.kind !== 'break-glass' || input.requester.attributes?.onCall === true) return null;
  const local = localTime(input.requestedAt, hours.timeZone);
  const workingDay = hours.days.includes(local.weekday);
  if (workingDay && local.minute >= hours.startMinute && local.minute < hours.endMinute) {
    return null;
  }

  const clock = `${pad(Math.floor(local.minute / 60))}:${pad(local.minute % 60)}`;
  const when = workingDay ? 'outside working hours' : 'on a day off';
  return {
    rule: 'break-glass-outside-hours',
    score: workingDay ? 0.8 : 0.9,
    reason:
      `break-glass at ${clock} ${WEEKDAYS[local.weekday]} ${hours.timeZone}, ${when}, ` +
      'by a requester whose token does not say on call',
    subject: input.requester.id,
    team: input.requester.groups[0] ?? null,
    resource: input.resource,
    relatedIds: [input.optOutId],
  };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday (0 for Sunday) and minute of the day of an instant in a time zone. */
export function localTime(instant: string, timeZone: string): { weekday: number; minute: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  return {
    weekday: WEEKDAYS.indexOf(part('weekday')),
    minute: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/** True when `timeZone` is one the runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

export interface FirstAccessInput {
  optOutId: string;
  kind: OptOutKind;
  subject: string;
  resource: string;
  /** Whether the subject held a grant or an opt-out on the resource before, in the ledger. */
  heldBefore: boolean;
}

export function firstAccessToResource(input: FirstAccessInput): Finding | null {
  if (input.heldBefore) return null;
  return {
    rule: 'first-access-to-resource',
    score: 0.5,
    reason:
      `${input.subject} never held a grant or opt-out on ${input.resource} before this ` +
      `${input.kind}`,
    subject: input.subject,
    team: null,
    resource: input.resource,
    relatedIds: [input.optOutId],
  };
}

export interface MaximumDurationInput {
  /** The opt-out, or the request of a capped grant. */
  id: string;
  requester: string;
  resource: string;
  duration: string;
  maximumDuration: string | null;
  requestedAt: string;
  /** Earlier requests or opt-outs of the requester at their maximum. */
  earlierAtMaximum: readonly { id: string; requestedAt: string }[];
}

/** Whether a request asked for exactly its maximum; unknown maxima never match. */
export function isAtMaximum(duration: string, maximumDuration: string | null): boolean {
  if (maximumDuration === null) return false;
  const asked = parseDuration(duration);
  const maximum = parseDuration(maximumDuration);
  return asked.ok && maximum.ok && asked.value.milliseconds === maximum.value.milliseconds;
}

/** The n-th request at its maximum duration by one person within the window. */
export function repeatedMaximumDuration(
  input: MaximumDurationInput,
  thresholds: AnomalyThresholds['maximumDuration'],
): Finding | null {
  if (!isAtMaximum(input.duration, input.maximumDuration)) return null;
  const now = Date.parse(input.requestedAt);
  const recent = input.earlierAtMaximum.filter((earlier) => {
    const at = Date.parse(earlier.requestedAt);
    return at > now - thresholds.windowMs && at <= now;
  });
  const count = recent.length + 1;
  if (count < thresholds.repeats) return null;

  return {
    rule: 'repeated-maximum-duration',
    score: round(clamp(0.5 + 0.1 * (count - thresholds.repeats))),
    reason:
      `${input.requester} asked for the maximum duration ${input.maximumDuration} ${count} ` +
      `times within ${duration(thresholds.windowMs)}`,
    subject: input.requester,
    team: null,
    resource: input.resource,
    relatedIds: [input.id, ...recent.map((earlier) => earlier.id)],
  };
}

export interface StandingEndInput {
  optOutId: string;
  kind: OptOutKind;
  subject: string;
  resource: string;
  uses: number;
  ending: 'lapsed' | 'expired';
}

/** A standing exception that lapsed, or ran to its end, without a single reported use. */
export function standingExceptionUnused(input: StandingEndInput): Finding | null {
  if (input.kind !== 'standing-exception' || input.uses > 0) return null;
  return {
    rule: 'standing-exception-unused',
    score: input.ending === 'expired' ? 0.7 : 0.6,
    reason: `standing exception ${input.ending} without a single reported use`,
    subject: input.subject,
    team: null,
    resource: input.resource,
    relatedIds: [input.optOutId],
  };
}

export interface ApprovalInput {
  /** The request or opt-out approved. */
  approvedId: string;
  approver: string;
  requester: string;
  resource: string | null;
  recordedAt: string;
}

export interface ReverseApproval {
  approvedId: string;
  recordedAt: string;
}

/** A approved B's request and, within the lookback, B approved one of A's. */
export function mutualApprovals(
  input: ApprovalInput,
  reverse: ReverseApproval | null,
  lookbackMs: number,
): Finding | null {
  if (reverse === null || input.approver === input.requester) return null;
  const gap = Date.parse(input.recordedAt) - Date.parse(reverse.recordedAt);
  if (gap < 0 || gap > lookbackMs) return null;

  return {
    rule: 'mutual-approvals',
    score: 0.8,
    reason:
      `${input.approver} approved a request of ${input.requester}, who approved one of ` +
      `${input.approver}'s ${duration(gap)} earlier`,
    subject: input.approver,
    team: null,
    resource: input.resource,
    relatedIds: [input.approvedId, reverse.approvedId],
  };
}

export interface ApprovalTimingInput extends ApprovalInput {
  /** When approval was asked for: the ApprovalRequested (or OptOutRequested) event's time. */
  requestedAt: string;
  justificationLength: number;
}

/** An approval sooner than a floor plus the time to read the justification. */
export function approvalTooFast(
  input: ApprovalTimingInput,
  reading: AnomalyThresholds['approvalReading'],
): Finding | null {
  const elapsedSeconds = (Date.parse(input.recordedAt) - Date.parse(input.requestedAt)) / 1000;
  const neededSeconds =
    reading.floorSeconds + input.justificationLength / reading.charactersPerSecond;
  if (elapsedSeconds >= neededSeconds) return null;

  return {
    rule: 'approval-too-fast',
    score: round(clamp(Math.max(0.1, 1 - elapsedSeconds / neededSeconds))),
    reason:
      `${input.approver} approved ${round(Math.max(0, elapsedSeconds))} s after approval was ` +
      `asked for, under the ${round(neededSeconds)} s needed to read a justification of ` +
      `${input.justificationLength} characters`,
    subject: input.approver,
    team: null,
    resource: input.resource,
    relatedIds: [input.approvedId],
  };
}
