import { loadExpiryConfig } from './expiry.config';

const SECRET = 'a-signing-key-of-at-least-thirty-two-characters';

describe(loadExpiryConfig.name, () => {
  it('applies the defaults of the expiry service', () => {
    const config = loadExpiryConfig({ JWT_SECRET: SECRET });

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3003 });
    expect(config.scheduler).toEqual({ pollIntervalMs: 250, batchSize: 1000 });
    expect(config.runtime).toMatchObject({
      service: 'expiry',
      schema: 'expiry',
      messaging: { clientId: 'jit-expiry', topicPrefix: '' },
    });
  });

  it('reads the scheduler settings', () => {
    const config = loadExpiryConfig({
      JWT_SECRET: SECRET,
      EXPIRY_POLL_INTERVAL_MS: '40',
      EXPIRY_BATCH_SIZE: '50',
    });

    expect(config.scheduler).toEqual({ pollIntervalMs: 40, batchSize: 50 });
  });

  it('names a bad batch size', () => {
    expect(() => loadExpiryConfig({ JWT_SECRET: SECRET, EXPIRY_BATCH_SIZE: '0' })).toThrow(
      /EXPIRY_BATCH_SIZE/,
    );
  });

  it('requires exactly one source of token keys', () => {
    expect(() => loadExpiryConfig({})).toThrow(/JWT_SECRET/);
    expect(() =>
      loadExpiryConfig({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(/JWT_SECRET/);
  });
});
