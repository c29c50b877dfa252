import { WebhookEndpoint } from './webhook-endpoint';

export interface RetrySchedule {
  /** The wait after the first failed attempt; each further failure doubles it. */
  baseMs: number;
  /** No wait between two attempts is longer than this. */
  maxMs: number;
}

export interface WebhookSettings {
  endpoints: WebhookEndpoint[];
  /** Null only when no endpoint is configured. */
  signingSecret: string | null;
  /** Attempts per delivery, the first included; after the last one it is recorded as failed. */
  maxAttempts: number;
  timeoutMs: number;
  retry: RetrySchedule;
  pollIntervalMs: number;
}

export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
