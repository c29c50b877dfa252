import { mintDevelopmentToken } from '@app/auth';

export const testAuth = {
  jwtSecret: 'test-signing-key-that-is-at-least-32-characters',
  issuer: 'jit-access-test',
  audience: 'jit-access',
};

export function tokenFor(subject: string, groups: string[] = []): Promise<string> {
  return mintDevelopmentToken({
    secret: testAuth.jwtSecret,
    subject,
    groups,
    issuer: testAuth.issuer,
    audience: testAuth.audience,
    expiresIn: '1h',
  });
}
