import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A fresh Ed25519 checkpoint key in a private temporary directory, and how to remove it. */
export interface CheckpointKey {
  file: string;
  remove(): Promise<void>;
}

export async function writeCheckpointKey(name: string): Promise<CheckpointKey> {
  const directory = await mkdtemp(join(tmpdir(), `${name}-`));
  const file = join(directory, 'ledger-checkpoint.pem');
  await writeFile(
    file,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
  return { file, remove: () => rm(directory, { recursive: true, force: true }) };
}

/** What one started service gets of its own. */
export interface ServicePlacement {
  databaseUrl: string;
  prefix: string;
  port: number;
}

export interface DeploymentEnvironment {
  /** The HS256 secret the services accept tokens signed with. */
  jwtSecret: string;
  forService(placement: ServicePlacement): NodeJS.ProcessEnv;
}

/**
 * The environment a deployment gives the services, as `scripts/stack.sh` does: fresh secrets
 * shared by every service started from it, the checkpoint key, the shipped policy and routing
 * files unless the caller's environment names others; the rest of the caller's environment
 * passes through.
 */
export function deploymentEnvironment(keyFile: string, brokers: string): DeploymentEnvironment {
  const jwtSecret = randomBytes(32).toString('hex');
  const webhookSecret = randomBytes(32).toString('hex');
  const forService = (placement: ServicePlacement): NodeJS.ProcessEnv => ({
    ...process.env,
    JWT_SECRET: jwtSecret,
    WEBHOOK_SIGNING_SECRET: webhookSecret,
    LEDGER_CHECKPOINT_KEY: `@${keyFile}`,
    DATABASE_URL: placement.databaseUrl,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: placement.prefix,
    POLICY_FILE: process.env.POLICY_FILE ?? resolve('config/access-policies.yaml'),
    NOTIFICATION_ROUTING_FILE:
      process.env.NOTIFICATION_ROUTING_FILE ?? resolve('config/notification-routing.yaml'),
    SMTP_URL: process.env.SMTP_URL ?? 'smtp://127.0.0.1:2525',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    HTTP_PORT: String(placement.port),
  });
  return { jwtSecret, forService };
}
