import { z } from 'zod';
import { authEnv, commonEnv, keySourceMessage, requireOneKeySource } from './common-env';
import { ConfigError, loadConfig } from './load-config';

const schema = z.object({ ...commonEnv, ...authEnv }).refine(requireOneKeySource, keySourceMessage);

describe(loadConfig.name, () => {
  it('applies defaults and parses broker lists', () => {
    const config = loadConfig(schema, {
      JWT_SECRET: 'x'.repeat(32),
      KAFKA_BROKERS: 'a:9092, b:9093',
    });

    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/jit_access');
    expect(config.KAFKA_TOPIC_PREFIX).toBe('');
  });

  it('reports every bad variable at once, by name and with the value given', () => {
    const attempt = () =>
      loadConfig(schema, {
        JWT_SECRET: 'x'.repeat(32),
        KAFKA_BROKERS: 'no-port',
        DATABASE_URL: 'mysql://x/y',
        LOG_LEVEL: 'loud',
      });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/KAFKA_BROKERS/);
    expect(attempt).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(attempt).toThrow(/LOG_LEVEL: .* \(got "loud"\)/);
  });

  it('refuses a configuration with neither or both key sources', () => {
    expect(() => loadConfig(schema, {})).toThrow(/exactly one of JWT_SECRET/);
    expect(() =>
      loadConfig(schema, { JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://idp/jwks' }),
    ).toThrow(/exactly one of JWT_SECRET/);
  });

  it('refuses a short signing key without repeating it', () => {
    const attempt = () => loadConfig(schema, { JWT_SECRET: 'short-but-secret' });

    expect(attempt).toThrow(/JWT_SECRET: must be at least 32/);
    expect(attempt).not.toThrow(/short-but-secret/);
  });

  it('does not repeat a database URL, which may carry a password', () => {
    const attempt = () =>
      loadConfig(schema, { JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'mysql://u:pw@h/d' });

    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).not.toThrow(/pw@/);
  });
});
