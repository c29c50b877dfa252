import { SignJWT } from 'jose';
import { Principal } from '@app/contracts';

export interface DevelopmentTokenInput {
  secret: string;
  subject: string;
  groups: string[];
  attributes?: Principal['attributes'];
  issuer: string;
  audience: string;
  /** e.g. '8h'; jose's time-span syntax. */
  expiresIn: string;
}

/** Mints an HS256 token the services accept when they run with the same JWT_SECRET. */
export async function mintDevelopmentToken(input: DevelopmentTokenInput): Promise<string> {
  return new SignJWT({
    groups: input.groups,
    ...(input.attributes ? { attributes: input.attributes } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.subject)
    .setIssuer(input.issuer)
    .setAudience(input.audience)
    .setIssuedAt()
    .setExpirationTime(input.expiresIn)
    .sign(new TextEncoder().encode(input.secret));
}
