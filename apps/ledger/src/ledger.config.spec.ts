import { ConfigError } from '@app/platform';
import { DEFAULT_THRESHOLDS } from './anomalies/anomaly.rules';
import { loadLedgerConfig } from './ledger.config';

const SECRET = 'a-signing-key-that-is-long-enough-for-hs256';

describe(loadLedgerConfig.name, () => {
  it('uses the defaults of a local deployment', () => {
    const config = loadLedgerConfig({ JWT_SECRET: SECRET });

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3005 });
    expect(config.readerGroups).toEqual(['security-leads', 'sre', 'auditors']);
    expect(config.runtime).toMatchObject({ service: 'ledger', schema: 'ledger' });
    expect(config.runtime.messaging.clientId).toBe('jit-ledger');
  });

  it('reads the reader groups as a comma-separated list', () => {
    const config = loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_READER_GROUPS: ' soc , sre ,' });

    expect(config.readerGroups).toEqual(['soc', 'sre']);
  });

  it('refuses an empty list of reader groups, naming the variable', () => {
    expect(() => loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_READER_GROUPS: ' , ' })).toThrow(
      /LEDGER_READER_GROUPS/,
    );
  });

  it('needs exactly one source of token keys', () => {
    expect(() => loadLedgerConfig({})).toThrow(ConfigError);
  });

  it('uses the default anomaly thresholds', () => {
    expect(loadLedgerConfig({ JWT_SECRET: SECRET }).anomalies).toEqual(DEFAULT_THRESHOLDS);
  });

  it('reads anomaly thresholds, durations, working days and hours', () => {
    const config = loadLedgerConfig({
      JWT_SECRET: SECRET,
      ANOMALY_FREQUENCY_WINDOW: 'P1D',
      ANOMALY_WORKING_DAYS: 'Sun, Sat',
      ANOMALY_WORKING_HOURS: '09:30-17:00',
      ANOMALY_TIMEZONE: 'Europe/Berlin',
      ANOMALY_APPROVAL_FLOOR_SECONDS: '0',
    });

    expect(config.anomalies.frequency.windowMs).toBe(86_400_000);
    expect(config.anomalies.workingHours).toEqual({
      timeZone: 'Europe/Berlin',
      days: [0, 6],
      startMinute: 570,
      endMinute: 1020,
    });
    expect(config.anomalies.approvalReading.floorSeconds).toBe(0);
  });

  it('refuses bad anomaly settings, naming each variable', () => {
    const attempt = () =>
      loadLedgerConfig({
        JWT_SECRET: SECRET,
        ANOMALY_FREQUENCY_WINDOW: 'P1M',
        ANOMALY_WORKING_DAYS: 'Monday',
        ANOMALY_WORKING_HOURS: '18:00-08:00',
        ANOMALY_TIMEZONE: 'Mars/Olympus',
        ANOMALY_FREQUENCY_RATIO: '0',
      });

    expect(attempt).toThrow(/ANOMALY_FREQUENCY_WINDOW/);
    expect(attempt).toThrow(/ANOMALY_WORKING_DAYS/);
    expect(attempt).toThrow(/ANOMALY_WORKING_HOURS: write it as HH:MM-HH:MM/);
    expect(attempt).toThrow(/ANOMALY_TIMEZONE: must be an IANA time zone/);
    expect(attempt).toThrow(/ANOMALY_FREQUENCY_RATIO/);
  });
});
