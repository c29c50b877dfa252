import { ConfigError } from '@app/platform';
import { loadApprovalsConfig } from './approvals.config';

const secret = 'a-signing-key-that-is-at-least-32-characters-long';

describe(loadApprovalsConfig.name, () => {
  it('applies the defaults of the approvals service', () => {
    const config = loadApprovalsConfig({ JWT_SECRET: secret });

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3002 });
    expect(config.policyFile).toBe('config/access-policies.yaml');
    expect(config.runtime).toMatchObject({
      service: 'approvals',
      schema: 'approvals',
      messaging: { clientId: 'jit-approvals', topicPrefix: '', brokers: ['127.0.0.1:9092'] },
    });
    expect(config.auth).toMatchObject({ jwtSecret: secret, issuer: 'jit-access-dev' });
  });

  it('reads the policy file path and port from the environment', () => {
    const config = loadApprovalsConfig({
      JWT_SECRET: secret,
      POLICY_FILE: '/etc/jit/policies.yaml',
      HTTP_PORT: '4002',
    });

    expect(config.policyFile).toBe('/etc/jit/policies.yaml');
    expect(config.http.port).toBe(4002);
  });

  it('refuses to start without a way to verify tokens, naming the variable', () => {
    expect(() => loadApprovalsConfig({})).toThrow(ConfigError);
    expect(() => loadApprovalsConfig({})).toThrow(/JWT_SECRET/);
  });

  it('refuses both a secret and a key set', () => {
    expect(() =>
      loadApprovalsConfig({ JWT_SECRET: secret, JWT_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(/exactly one of JWT_SECRET/);
  });
});
