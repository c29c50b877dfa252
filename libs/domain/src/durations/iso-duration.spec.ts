import {
  ACCEPTED_DURATION_FORM,
  DurationErrorCode,
  addDuration,
  formatDuration,
  parseDuration,
} from './iso-duration';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function millisecondsOf(input: string): number {
  const result = parseDuration(input);
  if (!result.ok) {
    throw new Error(`expected ${input} to parse, got ${result.error.message}`);
  }
  return result.value.milliseconds;
}

function refusalOf(input: string): { code: DurationErrorCode; message: string } {
  const result = parseDuration(input);
  if (result.ok) {
    throw new Error(`expected ${input} to be refused, got ${result.value.milliseconds} ms`);
  }
  return result.error;
}

describe(parseDuration.name, () => {
  describe('accepted durations', () => {
    it('reads PT1H30M as exactly 90 minutes', () => {
      expect(millisecondsOf('PT1H30M')).toBe(90 * MINUTE);
    });

    it('reads PT90M as exactly 90 minutes', () => {
      expect(millisecondsOf('PT90M')).toBe(90 * MINUTE);
    });

    it('reads P1D as exactly 24 hours of elapsed time', () => {
      expect(millisecondsOf('P1D')).toBe(24 * HOUR);
      expect(millisecondsOf('P1D')).toBe(86_400_000);
    });

    it.each([
      ['P1DT2H', DAY + 2 * HOUR],
      ['PT45S', 45_000],
      ['PT1H1M1S', HOUR + MINUTE + 1_000],
      ['PT36H', 36 * HOUR],
      ['PT01H', HOUR],
      ['P3650D', 3650 * DAY],
    ])('reads %s as %d ms', (input, expected) => {
      expect(millisecondsOf(input)).toBe(expected);
    });

    it('gives the canonical form of what it read', () => {
      const result = parseDuration('PT90M');

      expect(result).toEqual({
        ok: true,
        value: { milliseconds: 90 * MINUTE, canonical: 'PT1H30M' },
      });
    });
  });

  describe('refused durations', () => {
    it.each(['1h30m', '90', '1d'])('refuses %s with the accepted form in the message', (input) => {
      const error = refusalOf(input);

      expect(error.code).toBe('invalid-format');
      expect(error.message).toContain(ACCEPTED_DURATION_FORM);
      expect(error.message).toContain('PT1H30M, PT90M or P1D');
    });

    it('never reads a bare number as minutes or milliseconds', () => {
      expect(refusalOf('90').message).toContain('bare number');
    });

    it.each([
      ['-PT1H', 'not-positive'],
      ['PT0S', 'not-positive'],
      ['P0D', 'not-positive'],
      ['PT0H0M', 'not-positive'],
      ['PT0.5S', 'fractional'],
      ['PT1.5H', 'fractional'],
      ['PT1,5H', 'fractional'],
      ['P1M', 'calendar-unit'],
      ['P1Y', 'calendar-unit'],
      ['P1W', 'calendar-unit'],
      ['P1Y2M3DT4H', 'calendar-unit'],
      ['P3651D', 'too-long'],
      ['PT99999999999999999999S', 'too-long'],
      ['P', 'invalid-format'],
      ['PT', 'invalid-format'],
      ['P1DT', 'invalid-format'],
      ['', 'invalid-format'],
      ['pt1h', 'invalid-format'],
      ['PT1h', 'invalid-format'],
      [' PT1H', 'invalid-format'],
      ['PT1H ', 'invalid-format'],
      ['+PT1H', 'invalid-format'],
      ['PT30M1H', 'invalid-format'],
      ['P1H', 'invalid-format'],
      ['PT-1H', 'invalid-format'],
      ['1.5', 'invalid-format'],
    ])('refuses %j as %s', (input, code) => {
      const error = refusalOf(input);

      expect(error.code).toBe(code);
      expect(error.message).toContain(ACCEPTED_DURATION_FORM);
    });

    it('says lower-case letters are the problem when upper case would parse', () => {
      expect(refusalOf('pt1h').message).toContain('upper-case');
    });

    it('keeps a long input short in the message', () => {
      const error = refusalOf('x'.repeat(500));

      expect(error.message.length).toBeLessThan(250);
    });
  });
});

describe(formatDuration.name, () => {
  it.each([
    [90 * MINUTE, 'PT1H30M'],
    [DAY, 'P1D'],
    [HOUR, 'PT1H'],
    [45_000, 'PT45S'],
    [DAY + 2 * HOUR, 'P1DT2H'],
    [DAY + 1_000, 'P1DT1S'],
    [36 * HOUR, 'P1DT12H'],
    [0, 'PT0S'],
  ])('writes %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each([-1_000, 1_500, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses to write %d ms, which is not a whole number of seconds',
    (ms) => {
      expect(() => formatDuration(ms)).toThrow(RangeError);
    },
  );

  it('writes what parseDuration reads back to the same length', () => {
    for (const input of ['PT1H30M', 'P1DT2H', 'PT45S', 'P2DT3H4M5S']) {
      expect(millisecondsOf(formatDuration(millisecondsOf(input)))).toBe(millisecondsOf(input));
    }
  });
});

describe(addDuration.name, () => {
  it('adds exact elapsed time', () => {
    const start = new Date('2026-12-03T10:00:00.000Z');

    expect(addDuration(start, 90 * MINUTE).toISOString()).toBe('2026-12-03T11:30:00.000Z');
  });

  it('adds a day as 24 hours even across a daylight-saving change', () => {
    const beforeChange = new Date('2026-03-28T12:00:00.000Z');

    expect(addDuration(beforeChange, DAY).getTime() - beforeChange.getTime()).toBe(86_400_000);
  });

  it('does not change the instant it was given', () => {
    const start = new Date('2026-12-03T10:00:00.000Z');

    addDuration(start, HOUR);

    expect(start.toISOString()).toBe('2026-12-03T10:00:00.000Z');
  });
});
