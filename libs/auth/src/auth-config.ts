export interface AuthConfig {
  /** HS256 signing key shared with the token issuer; for development and small deployments. */
  jwtSecret?: string;
  /** The identity provider's key set; tokens signed with RS256/ES256 keys listed there are accepted. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

/** The parsed values of `authEnv`. */
export interface AuthEnvValues {
  JWT_SECRET?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

export function authConfigFrom(values: AuthEnvValues): AuthConfig {
  return {
    jwtSecret: values.JWT_SECRET,
    jwksUrl: values.JWT_JWKS_URL,
    issuer: values.JWT_ISSUER,
    audience: values.JWT_AUDIENCE,
  };
}
