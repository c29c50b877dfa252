export type DurationErrorCode =
  'invalid-format' | 'not-positive' | 'fractional' | 'calendar-unit' | 'too-long';

export interface DurationError {
  code: DurationErrorCode;
  message: string;
}

export interface ParsedDuration {
  milliseconds: number;
  /** The same length written the one way `formatDuration` writes it, e.g. PT90M becomes PT1H30M. */
  canonical: string;
}

export type DurationResult =
  { ok: true; value: ParsedDuration } | { ok: false; error: DurationError };

export const ACCEPTED_DURATION_FORM =
  'duration must be an ISO-8601 duration such as PT1H30M, PT90M or P1D ' +
  '(days, hours, minutes and whole seconds)';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const MAX_DURATION_DAYS = 3650;
export const MAX_DURATION_MS = MAX_DURATION_DAYS * DAY_MS;

// Wider than what is accepted, so that a near miss (a fraction, a month, a sign) gets a precise
// refusal instead of a generic "invalid format".
const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const ISO_DURATION_SHAPE = new RegExp(
  `^(-)?P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?` +
    `(T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);

interface DurationParts {
  negative: boolean;
  years?: string;
  months?: string;
  weeks?: string;
  days?: string;
  timePart?: string;
  hours?: string;
  minutes?: string;
  seconds?: string;
}

/**
 * Parses `P[nD][T[nH][nM][nS]]` with whole, non-negative numbers into exact elapsed time.
 * A day is always 86,400,000 ms; years, months and weeks are refused because their length
 * depends on the calendar, and a bare number is never guessed to be minutes or milliseconds.
 */
export function parseDuration(input: string): DurationResult {
  const parts = matchShape(input);
  if (parts === null) {
    return refuse('invalid-format', describeMalformed(input));
  }

  const quoted = quote(input);
  if (parts.negative) {
    return refuse('not-positive', `${quoted} is negative`);
  }
  if (parts.years !== undefined || parts.months !== undefined || parts.weeks !== undefined) {
    return refuse(
      'calendar-unit',
      `${quoted} uses years, months or weeks, whose elapsed length is not fixed`,
    );
  }
  const amounts = [parts.days, parts.hours, parts.minutes, parts.seconds];
  if (amounts.some((amount) => amount !== undefined && /[.,]/.test(amount))) {
    return refuse('fractional', `${quoted} has a fraction; use a smaller unit instead`);
  }

  const milliseconds =
    whole(parts.days) * DAY_MS +
    whole(parts.hours) * HOUR_MS +
    whole(parts.minutes) * MINUTE_MS +
    whole(parts.seconds) * SECOND_MS;
  if (milliseconds === 0) {
    return refuse('not-positive', `${quoted} is zero`);
  }
  if (milliseconds > MAX_DURATION_MS) {
    return refuse(
      'too-long',
      `${quoted} is longer than the longest accepted duration P${MAX_DURATION_DAYS}D`,
    );
  }

  return { ok: true, value: { milliseconds, canonical: formatDuration(milliseconds) } };
}

/** Writes a whole number of seconds in canonical form: 90 minutes is PT1H30M, 24 hours is P1D. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms % SECOND_MS !== 0) {
    throw new RangeError(`cannot format ${ms} ms as a duration: need a whole number of seconds`);
  }
  if (ms === 0) {
    return 'PT0S';
  }

  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const seconds = Math.floor((ms % MINUTE_MS) / SECOND_MS);

  const datePart = days > 0 ? `${days}D` : '';
  const timePart = [unit(hours, 'H'), unit(minutes, 'M'), unit(seconds, 'S')].join('');
  return `P${datePart}${timePart ? `T${timePart}` : ''}`;
}

export function addDuration(instant: Date, ms: number): Date {
  return new Date(instant.getTime() + ms);
}

function matchShape(input: string): DurationParts | null {
  const match = ISO_DURATION_SHAPE.exec(input);
  if (match === null) {
    return null;
  }

  const [, sign, years, months, weeks, days, timePart, hours, minutes, seconds] = match;
  const parts: DurationParts = {
    negative: sign !== undefined,
    years,
    months,
    weeks,
    days,
    timePart,
    hours,
    minutes,
    seconds,
  };
  const hasDatePart = [years, months, weeks, days].some((amount) => amount !== undefined);
  const hasTimePart = [hours, minutes, seconds].some((amount) => amount !== undefined);
  // `P`, `PT` and `P1DT` fit the pattern but say nothing, or leave a dangling `T`.
  if ((!hasDatePart && !hasTimePart) || (timePart !== undefined && !hasTimePart)) {
    return null;
  }
  return parts;
}

function describeMalformed(input: string): string {
  if (input.length === 0) {
    return 'duration is empty';
  }
  if (/^[+-]?\d+(?:[.,]\d+)?$/.test(input)) {
    return `${quote(input)} has no unit, and a bare number is not read as minutes or milliseconds`;
  }
  if (input !== input.toUpperCase() && matchShape(input.toUpperCase()) !== null) {
    return `${quote(input)} must be written in upper-case letters`;
  }
  return `${quote(input)} is not a valid duration`;
}

function refuse(code: DurationErrorCode, problem: string): DurationResult {
  return { ok: false, error: { code, message: `${problem}; ${ACCEPTED_DURATION_FORM}` } };
}

function whole(amount: string | undefined): number {
  return amount === undefined ? 0 : Number(amount);
}

function unit(amount: number, designator: string): string {
  return amount > 0 ? `${amount}${designator}` : '';
}

// Input may come from anyone; keep what is echoed back short.
function quote(input: string): string {
  const shown = input.length > 40 ? `${input.slice(0, 40)}…` : input;
  return JSON.stringify(shown);
}
