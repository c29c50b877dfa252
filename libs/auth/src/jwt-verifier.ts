import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Principal } from '@app/contracts';
import { DomainError } from '@app/platform';
import { AUTH_CONFIG, AuthConfig } from './auth-config';

const AttributesClaim = Principal.shape.attributes.unwrap();

export class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super('unauthenticated', 401, message);
  }
}

/**
 * Verifies bearer tokens and reads the caller's identity, groups and attributes (seniority,
 * on-call status, training) from them, and only from them.
 */
@Injectable()
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;

  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {
    if (config.jwksUrl) this.key = createRemoteJWKSet(new URL(config.jwksUrl));
    else if (config.jwtSecret) this.key = new TextEncoder().encode(config.jwtSecret);
    else throw new Error('auth needs a JWT secret or a JWKS URL');
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'],
      });
      payload = verified.payload;
    } catch (error) {
      throw new UnauthenticatedError(`the bearer token was refused: ${(error as Error).message}`);
    }
    if (!payload.sub) throw new UnauthenticatedError('the bearer token has no subject');
    const attributes = readAttributes(payload);
    return {
      id: payload.sub,
      groups: readGroups(payload),
      ...(attributes === undefined ? {} : { attributes }),
    };
  }
}

function readAttributes(payload: JWTPayload): Principal['attributes'] {
  const claim = payload['attributes'];
  if (claim === undefined) return undefined;
  const parsed = AttributesClaim.safeParse(claim);
  if (!parsed.success) {
    throw new UnauthenticatedError(
      'the token claim "attributes" must be an object of strings, numbers, booleans or lists of strings',
    );
  }
  return parsed.data;
}

function readGroups(payload: JWTPayload): string[] {
  const groups = payload['groups'];
  if (groups === undefined) return [];
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) {
    throw new UnauthenticatedError('the token claim "groups" must be a list of strings');
  }
  return [...new Set(groups as string[])];
}
