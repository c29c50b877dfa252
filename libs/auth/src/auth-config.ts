export interface AuthConfig {
  /** HS256 signing key shared with the token issuer; for development and small deployments. */
  jwtSecret?: string;
  /** The identity provider's key set; tokens signed with RS256/ES256 keys listed there are accepted. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
