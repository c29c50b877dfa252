import { ConfigError } from '@app/platform';
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
});
