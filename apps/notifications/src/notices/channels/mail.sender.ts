import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { WebhookResponse } from '../../webhooks/webhook.sender';
import { EmailMessage } from '../notice-message';
import { NOTICE_SETTINGS, NoticeSettings } from '../notice-settings';

/** Sends one e-mail; never throws, every outcome is an answer to record like a webhook's. */
export interface MailTransport {
  send(message: EmailMessage, timeoutMs: number): Promise<WebhookResponse>;
}

/**
 * E-mail over SMTP with nodemailer. The answer's status code is the SMTP reply code (250 when the
 * server took the message), so the retry schedule treats it as it treats an HTTP status: a 2xx
 * code is delivered, anything else is tried again.
 */
@Injectable()
export class MailSender implements MailTransport, OnModuleDestroy {
  private transporter: Transporter | null = null;

  constructor(@Inject(NOTICE_SETTINGS) private readonly settings: NoticeSettings) {}

  async send(message: EmailMessage, timeoutMs: number): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const transporter = this.transporterFor(timeoutMs);
    if (!transporter) {
      return { statusCode: null, error: 'SMTP_URL is not configured', durationMs: 0 };
    }

    try {
      const info = (await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      })) as { response?: string };
      return { statusCode: replyCodeOf(info.response) ?? 250, error: null, durationMs: elapsed() };
    } catch (error) {
      const failure = error as Error & { responseCode?: number; code?: string };
      return {
        statusCode: failure.responseCode ?? null,
        error: `SMTP: ${failure.message}${failure.code ? ` (${failure.code})` : ''}`,
        durationMs: elapsed(),
      };
    }
  }

  onModuleDestroy(): void {
    this.transporter?.close();
  }

  private transporterFor(timeoutMs: number): Transporter | null {
    if (this.transporter) return this.transporter;
    if (!this.settings.smtp) return null;
    this.transporter = createTransport({
      ...smtpConnectionOf(this.settings.smtp.url),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    return this.transporter;
  }
}

/** smtp://user:pass@host:port, or smtps:// for TLS from the first byte. */
export function smtpConnectionOf(url: string): {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
} {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  const user = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(parsed.password) } } : {}),
  };
}

function replyCodeOf(response: string | undefined): number | null {
  const match = /^(\d{3})/.exec(response ?? '');
  return match ? Number(match[1]) : null;
}
