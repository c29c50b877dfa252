import { SignJWT } from 'jose';
import { mintDevelopmentToken } from './development-token';
import { JwtVerifier, UnauthenticatedError } from './jwt-verifier';

const config = {
  jwtSecret: 'a-signing-key-that-is-long-enough-for-hs256',
  issuer: 'iss',
  audience: 'aud',
};
const verifier = new JwtVerifier(config);
const mint = (overrides: Partial<Parameters<typeof mintDevelopmentToken>[0]> = {}) =>
  mintDevelopmentToken({
    secret: config.jwtSecret,
    subject: 'u-101',
    groups: ['sre', 'sre', 'dba'],
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: '5m',
    ...overrides,
  });

describe(JwtVerifier.name, () => {
  it('reads the caller and their groups from the token', async () => {
    await expect(verifier.verify(await mint())).resolves.toEqual({
      id: 'u-101',
      groups: ['sre', 'dba'],
    });
  });

  it.each([
    ['another signing key', { secret: 'another-signing-key-that-is-long-enough-x' }],
    ['another issuer', { issuer: 'someone-else' }],
    ['another audience', { audience: 'another-service' }],
    ['an expired token', { expiresIn: '-1m' }],
  ])('refuses a token with %s', async (_, overrides) => {
    await expect(verifier.verify(await mint(overrides))).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });

  it('refuses a groups claim that is not a list of strings', async () => {
    const token = await new SignJWT({ groups: 'sre' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-101')
      .setIssuer('iss')
      .setAudience('aud')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(config.jwtSecret));

    await expect(verifier.verify(token)).rejects.toThrow(/groups/);
  });
});
