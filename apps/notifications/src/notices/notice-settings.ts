import { NoticeRouting } from './notice-routing';

export interface SmtpSettings {
  /** smtp://[user:pass@]host:port or smtps://… */
  url: string;
  from: string;
}

export interface NoticeSettings {
  /** Null when NOTIFICATION_ROUTING_FILE is not set: no opt-out notice is sent. */
  routing: NoticeRouting | null;
  /** Null when no recipient has an e-mail address and SMTP_URL is not set. */
  smtp: SmtpSettings | null;
}

export const NOTICE_SETTINGS = Symbol('NOTICE_SETTINGS');
