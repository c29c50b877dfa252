import { mintDevelopmentToken } from '@app/auth';
import { Principal } from '@app/contracts';

export const testAuth = {
  jwtSecret: 'test-signing-key-that-is-at-least-32-characters',
  issuer: 'jit-access-test',
  audience: 'jit-access',
};

export function tokenFor(
  subject: string,
  groups: string[] = [],
  attributes?: Principal['attributes'],
): Promise<string> {
  return mintDevelopmentToken({
    secret: testAuth.jwtSecret,
    subject,
    groups,
    attributes,
    issuer: testAuth.issuer,
    audience: testAuth.audience,
    expiresIn: '1h',
  });
}
