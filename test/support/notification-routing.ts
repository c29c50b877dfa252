import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RoutingRecipient {
  id: string;
  name: string;
  email?: string;
  chatWebhookUrl?: string;
  webhookUrl?: string;
}

type Severity = 'info' | 'high' | 'critical';

export interface Routing {
  recipients: RoutingRecipient[];
  /** The recipient ids of each escalation level, level 0 first. */
  levels: string[][];
  severities: Record<Severity, { channels: string[]; acknowledgeWithin?: string }>;
  links?: { baseUrls: Record<string, string> };
}

/** Writes a notification routing file into a fresh temporary folder and returns its path. */
export function writeRoutingFile(routing: Routing): string {
  const path = join(mkdtempSync(join(tmpdir(), 'jit-routing-')), 'notification-routing.yaml');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      ...routing,
      levels: routing.levels.map((ids) => ({ recipients: ids })),
    }),
  );
  return path;
}
