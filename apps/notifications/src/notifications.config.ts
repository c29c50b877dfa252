import { z } from 'zod';
import { AuthConfig, authConfigFrom } from '@app/auth';
import {
  authEnv,
  commonEnv,
  ConfigError,
  httpPort,
  keySourceMessage,
  loadConfig,
  requireOneKeySource,
  serviceSettings,
  ServiceSettings,
} from '@app/platform';
import { loadNoticeRouting, NoticeRouting, routingUsesAddress } from './notices/notice-routing';
import { NoticeSettings } from './notices/notice-settings';
import { WebhookEndpointList } from './webhooks/webhook-endpoint';
import { WebhookSettings } from './webhooks/webhook-settings';

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const NotificationsEnv = z
  .object({
    ...commonEnv,
    ...authEnv,
    HTTP_PORT: httpPort(3004),
    NOTIFICATION_WEBHOOKS: WebhookEndpointList,
    WEBHOOK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    WEBHOOK_MAX_ATTEMPTS: positiveInt(12, 100),
    WEBHOOK_TIMEOUT_MS: positiveInt(5000, 120_000),
    WEBHOOK_RETRY_BASE_MS: positiveInt(1000, 86_400_000),
    WEBHOOK_RETRY_MAX_MS: positiveInt(300_000, 86_400_000),
    NOTIFICATIONS_POLL_INTERVAL_MS: positiveInt(200, 60_000),
    NOTIFICATION_ROUTING_FILE: z.string().min(1).optional(),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    SMTP_FROM: z.email('must be an e-mail address').default('jit-access@localhost'),
  })
  .refine(requireOneKeySource, keySourceMessage)
  .refine((env) => env.NOTIFICATION_WEBHOOKS.length === 0 || env.WEBHOOK_SIGNING_SECRET, {
    message: 'is required when NOTIFICATION_WEBHOOKS lists an endpoint',
    path: ['WEBHOOK_SIGNING_SECRET'],
  })
  .refine((env) => env.WEBHOOK_RETRY_BASE_MS <= env.WEBHOOK_RETRY_MAX_MS, {
    message: 'must not be greater than WEBHOOK_RETRY_MAX_MS',
    path: ['WEBHOOK_RETRY_BASE_MS'],
  });

export interface NotificationsConfig extends ServiceSettings {
  auth: AuthConfig;
  webhooks: WebhookSettings;
  notices: NoticeSettings;
}

export function loadNotificationsConfig(env: NodeJS.ProcessEnv): NotificationsConfig {
  const vars = loadConfig(NotificationsEnv, env);
  const routing = vars.NOTIFICATION_ROUTING_FILE
    ? loadNoticeRouting(vars.NOTIFICATION_ROUTING_FILE)
    : null;
  requireChannelSettings(routing, vars.SMTP_URL, vars.WEBHOOK_SIGNING_SECRET);
  return {
    ...serviceSettings('notifications', vars),
    auth: authConfigFrom(vars),
    webhooks: {
      endpoints: vars.NOTIFICATION_WEBHOOKS,
      signingSecret: vars.WEBHOOK_SIGNING_SECRET ?? null,
      maxAttempts: vars.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS,
      retry: { baseMs: vars.WEBHOOK_RETRY_BASE_MS, maxMs: vars.WEBHOOK_RETRY_MAX_MS },
      pollIntervalMs: vars.NOTIFICATIONS_POLL_INTERVAL_MS,
    },
    notices: {
      routing,
      smtp: vars.SMTP_URL ? { url: vars.SMTP_URL, from: vars.SMTP_FROM } : null,
    },
  };
}

function requireChannelSettings(
  routing: NoticeRouting | null,
  smtpUrl: string | undefined,
  signingSecret: string | undefined,
): void {
  if (!routing) return;
  const problems: string[] = [];
  if (!smtpUrl && routingUsesAddress(routing, 'email')) {
    problems.push(`SMTP_URL: is required when a recipient in ${routing.source} has an email`);
  }
  if (!signingSecret && routingUsesAddress(routing, 'webhookUrl')) {
    problems.push(
      `WEBHOOK_SIGNING_SECRET: is required when a recipient in ${routing.source} has a webhookUrl`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
