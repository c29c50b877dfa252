import { loadRequestsConfig } from './requests.config';

const secret = 'a-signing-key-of-at-least-32-characters!';

describe(loadRequestsConfig.name, () => {
  it('uses the defaults of the requests service', () => {
    const config = loadRequestsConfig({ JWT_SECRET: secret }, '/srv/jit');

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(config.runtime).toMatchObject({
      service: 'requests',
      schema: 'requests',
      messaging: { clientId: 'jit-requests', topicPrefix: '' },
    });
    expect(config.policyFile).toBe('/srv/jit/config/access-policies.yaml');
  });

  it('resolves a relative policy file from the working directory', () => {
    const config = loadRequestsConfig(
      { JWT_SECRET: secret, POLICY_FILE: 'policies/prod.yaml' },
      '/srv/jit',
    );

    expect(config.policyFile).toBe('/srv/jit/policies/prod.yaml');
  });

  it('fails naming JWT_SECRET when no key source is set', () => {
    expect(() => loadRequestsConfig({})).toThrow(/JWT_SECRET: set exactly one of/);
  });

  it('fails naming each bad variable', () => {
    expect(() =>
      loadRequestsConfig({ JWT_SECRET: secret, HTTP_PORT: 'x', POLICY_FILE: '' }),
    ).toThrow(/HTTP_PORT[\s\S]*POLICY_FILE|POLICY_FILE[\s\S]*HTTP_PORT/);
  });
});
