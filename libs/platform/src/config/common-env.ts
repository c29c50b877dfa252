import { z } from 'zod';

const brokerList = z
  .string()
  .default('127.0.0.1:9092')
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(
    z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port'))
      .min(1, 'at least one broker is required'),
  );

const databaseUrl = z
  .string()
  .default('postgres://postgres@127.0.0.1:5432/jit_access')
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL');

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Variables every service reads. */
export const commonEnv = {
  DATABASE_URL: databaseUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  KAFKA_BROKERS: brokerList,
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits and . _ -')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
};

export const httpPort = port;

/** Variables of services that authenticate HTTP callers. */
export const authEnv = {
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().default('jit-access-dev'),
  JWT_AUDIENCE: z.string().default('jit-access'),
};

export function requireOneKeySource(env: { JWT_SECRET?: string; JWT_JWKS_URL?: string }): boolean {
  return Boolean(env.JWT_SECRET) !== Boolean(env.JWT_JWKS_URL);
}
export const keySourceMessage = {
  message: 'set exactly one of JWT_SECRET (HS256 signing key) or JWT_JWKS_URL',
  path: ['JWT_SECRET'],
};
