import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@app/platform';
import { DEFAULT_THRESHOLDS } from './anomalies/anomaly.rules';
import { keyIdOf } from './chain/checkpoint-signature';
import { loadLedgerConfig } from './ledger.config';

const SECRET = 'a-signing-key-that-is-long-enough-for-hs256';
const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey'], type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();
const signing = generateKeyPairSync('ed25519');
const SIGNING_KEY = pem(signing.privateKey, 'pkcs8');

describe(loadLedgerConfig.name, () => {
  it('uses the defaults of a local deployment', () => {
    const config = loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_CHECKPOINT_KEY: SIGNING_KEY });

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3005 });
    expect(config.readerGroups).toEqual(['security-leads', 'sre', 'auditors']);
    expect(config.runtime).toMatchObject({ service: 'ledger', schema: 'ledger' });
    expect(config.runtime.messaging.clientId).toBe('jit-ledger');
  });

  it('reads the reader groups as a comma-separated list', () => {
    const config = loadLedgerConfig({
      JWT_SECRET: SECRET,
      LEDGER_CHECKPOINT_KEY: SIGNING_KEY,
      LEDGER_READER_GROUPS: ' soc , sre ,',
    });

    expect(config.readerGroups).toEqual(['soc', 'sre']);
  });

  it('refuses an empty list of reader groups, naming the variable', () => {
    expect(() =>
      loadLedgerConfig({
        JWT_SECRET: SECRET,
        LEDGER_CHECKPOINT_KEY: SIGNING_KEY,
        LEDGER_READER_GROUPS: ' , ',
      }),
    ).toThrow(/LEDGER_READER_GROUPS/);
  });

  it('needs exactly one source of token keys', () => {
    expect(() => loadLedgerConfig({})).toThrow(ConfigError);
  });

  it('uses the default anomaly thresholds', () => {
    expect(
      loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_CHECKPOINT_KEY: SIGNING_KEY }).anomalies,
    ).toEqual(DEFAULT_THRESHOLDS);
  });

  it('reads anomaly thresholds, durations, working days and hours', () => {
    const config = loadLedgerConfig({
      JWT_SECRET: SECRET,
      LEDGER_CHECKPOINT_KEY: SIGNING_KEY,
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
        LEDGER_CHECKPOINT_KEY: SIGNING_KEY,
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

  describe('checkpoints', () => {
    it('signs every 1000 entries and at least every minute, acting as the service role', () => {
      const config = loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_CHECKPOINT_KEY: SIGNING_KEY });

      expect(config.checkpoints).toMatchObject({ every: 1000, intervalMs: 60_000 });
      expect(config.checkpoints.verifyingKeys.map(keyIdOf)).toEqual([keyIdOf(signing.publicKey)]);
      expect(config.runtime.databaseRole).toBe('jit_ledger_service');
    });

    it('requires the signing key, naming the variable', () => {
      expect(() => loadLedgerConfig({ JWT_SECRET: SECRET })).toThrow(
        /LEDGER_CHECKPOINT_KEY: is required/,
      );
    });

    it('refuses a key that is not Ed25519 without repeating it', () => {
      const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs8');
      const attempt = () => loadLedgerConfig({ JWT_SECRET: SECRET, LEDGER_CHECKPOINT_KEY: rsa });

      expect(attempt).toThrow(/LEDGER_CHECKPOINT_KEY: the checkpoint signing key must be Ed25519/);
      expect(attempt).not.toThrow(/PRIVATE KEY/);
    });

    it('reads keys from @files and trusts the listed public keys besides its own', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
      const older = generateKeyPairSync('ed25519');
      writeFileSync(join(dir, 'signing.pem'), SIGNING_KEY);
      writeFileSync(join(dir, 'older.pem'), pem(older.publicKey, 'spki'));

      const config = loadLedgerConfig({
        JWT_SECRET: SECRET,
        LEDGER_CHECKPOINT_KEY: `@${join(dir, 'signing.pem')}`,
        LEDGER_CHECKPOINT_PUBLIC_KEYS: `@${join(dir, 'older.pem')}`,
        LEDGER_CHECKPOINT_EVERY: '50',
        LEDGER_CHECKPOINT_INTERVAL: 'PT10S',
        LEDGER_DATABASE_ROLE: '',
      });

      expect(config.checkpoints.verifyingKeys.map(keyIdOf)).toEqual([
        keyIdOf(older.publicKey),
        keyIdOf(signing.publicKey),
      ]);
      expect(config.checkpoints).toMatchObject({ every: 50, intervalMs: 10_000 });
      expect(config.runtime.databaseRole).toBeUndefined();
    });

    it('refuses bad checkpoint settings, naming each variable', () => {
      const attempt = () =>
        loadLedgerConfig({
          JWT_SECRET: SECRET,
          LEDGER_CHECKPOINT_KEY: '@/nonexistent/key.pem',
          LEDGER_CHECKPOINT_PUBLIC_KEYS: 'not a key',
          LEDGER_CHECKPOINT_EVERY: '0',
          LEDGER_CHECKPOINT_INTERVAL: 'soon',
          LEDGER_DATABASE_ROLE: 'Robert; DROP',
        });

      expect(attempt).toThrow(/LEDGER_CHECKPOINT_KEY: ENOENT/);
      expect(attempt).toThrow(/LEDGER_CHECKPOINT_PUBLIC_KEYS/);
      expect(attempt).toThrow(/LEDGER_CHECKPOINT_EVERY/);
      expect(attempt).toThrow(/LEDGER_CHECKPOINT_INTERVAL/);
      expect(attempt).toThrow(/LEDGER_DATABASE_ROLE: must be a plain role name/);
    });
  });
});
