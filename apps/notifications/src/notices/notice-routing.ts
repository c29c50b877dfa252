import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { Identifier, NoticeSeverity } from '@app/contracts';
import { ACCEPTED_DURATION_FORM, parseDuration } from '@app/domain';

export const NoticeChannels = ['chat', 'email', 'webhook'] as const;
export type NoticeChannel = (typeof NoticeChannels)[number];

/** The services whose HTTP API a notice links to. */
export const LinkedServices = ['approvals', 'notifications', 'ledger', 'requests'] as const;
export type LinkedService = (typeof LinkedServices)[number];

/** A routing file that cannot be used; the message names the file and every bad path in it. */
export class NoticeRoutingError extends Error {
  constructor(
    readonly sourceName: string,
    readonly problems: string[],
  ) {
    super(
      `notification routing file ${sourceName} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = NoticeRoutingError.name;
  }
}

const HttpUrl = z.url({
  protocol: /^https?$/,
  hostname: z.regexes.hostname,
  message: 'must be an absolute http:// or https:// URL',
});

const AckTimeout = z
  .string({ error: `must be text; ${ACCEPTED_DURATION_FORM}` })
  .transform((text, context) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: parsed.error.message, input: text });
      return z.NEVER;
    }
    return parsed.value.milliseconds;
  });

const RecipientSchema = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  email: z.email('must be an e-mail address').optional(),
  chatWebhookUrl: HttpUrl.optional(),
  webhookUrl: HttpUrl.optional(),
});

const LevelSchema = z.strictObject({
  recipients: z.array(Identifier).min(1, 'must name at least one recipient'),
});

const ChannelList = z
  .array(z.enum(NoticeChannels, { message: `must be one of ${NoticeChannels.join(', ')}` }))
  .min(1, 'must name at least one channel');

const SeveritySchema = z.strictObject({
  channels: ChannelList,
  acknowledgeWithin: AckTimeout.optional(),
});

const RoutingFileSchema = z
  .strictObject({
    version: z.literal(1, 'must be 1'),
    recipients: z.array(RecipientSchema).min(1, 'must list at least one recipient'),
    levels: z.array(LevelSchema).min(1, 'must list at least level 0, the security leads'),
    severities: z.strictObject({
      info: SeveritySchema,
      high: SeveritySchema,
      critical: SeveritySchema,
    }),
    links: z
      .strictObject({
        baseUrls: z.partialRecord(z.enum(LinkedServices), HttpUrl).default({}),
      })
      .default({ baseUrls: {} }),
  })
  .superRefine((file, context) => {
    const ids = new Set<string>();
    file.recipients.forEach((recipient, index) => {
      if (ids.has(recipient.id)) {
        context.addIssue({
          code: 'custom',
          path: ['recipients', index, 'id'],
          message: `"${recipient.id}" is used by another recipient; ids must be unique`,
        });
      }
      ids.add(recipient.id);
    });

    const placed = new Map<string, number>();
    file.levels.forEach((level, levelIndex) => {
      level.recipients.forEach((id, index) => {
        const path = ['levels', levelIndex, 'recipients', index];
        if (!ids.has(id)) {
          context.addIssue({ code: 'custom', path, message: `"${id}" is not a listed recipient` });
        }
        const earlier = placed.get(id);
        if (earlier !== undefined) {
          context.addIssue({
            code: 'custom',
            path,
            message: `"${id}" is already in level ${earlier}; a recipient belongs to one level`,
          });
        }
        placed.set(id, levelIndex);
      });
    });

    if (file.severities.info.acknowledgeWithin !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['severities', 'info', 'acknowledgeWithin'],
        message: 'info notices are not acknowledged and never escalate; leave it out',
      });
    }
    for (const severity of ['high', 'critical'] as const) {
      if (file.severities[severity].acknowledgeWithin === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['severities', severity, 'acknowledgeWithin'],
          message:
            'is required: an ISO-8601 duration after which an unacknowledged notice escalates',
        });
      }
    }
  });

export interface NoticeRecipient {
  id: string;
  name: string;
  email?: string;
  chatWebhookUrl?: string;
  webhookUrl?: string;
}

export interface SeverityRoute {
  channels: NoticeChannel[];
  /** Null for info: such notices are never escalated. */
  acknowledgeWithinMs: number | null;
}

export interface NoticeRouting {
  source: string;
  recipients: Map<string, NoticeRecipient>;
  /** Level 0 holds the security leads; each further level is who an escalation reaches next. */
  levels: string[][];
  severities: Record<NoticeSeverity, SeverityRoute>;
  baseUrls: Partial<Record<LinkedService, string>>;
}

export const NOTICE_ROUTING = Symbol('NOTICE_ROUTING');

export function loadNoticeRouting(path: string): NoticeRouting {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NoticeRoutingError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseNoticeRouting(text, path);
}

export function parseNoticeRouting(yamlText: string, sourceName: string): NoticeRouting {
  const document = parseDocument(yamlText, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new NoticeRoutingError(
      sourceName,
      document.errors.map((error) => `not valid YAML: ${error.message}`),
    );
  }

  const result = RoutingFileSchema.safeParse(document.toJS());
  if (!result.success) {
    throw new NoticeRoutingError(
      sourceName,
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }

  const file = result.data;
  const route = (severity: NoticeSeverity): SeverityRoute => ({
    channels: [...new Set(file.severities[severity].channels)],
    acknowledgeWithinMs: file.severities[severity].acknowledgeWithin ?? null,
  });
  return {
    source: sourceName,
    recipients: new Map(file.recipients.map((recipient) => [recipient.id, recipient])),
    levels: file.levels.map((level) => level.recipients),
    severities: { info: route('info'), high: route('high'), critical: route('critical') },
    baseUrls: file.links.baseUrls,
  };
}

/** Whether any recipient is reached through `channel`, so its settings are needed. */
export function routingUsesAddress(
  routing: NoticeRouting,
  address: 'email' | 'webhookUrl' | 'chatWebhookUrl',
): boolean {
  return [...routing.recipients.values()].some((recipient) => recipient[address] !== undefined);
}

// Written the way a reader finds it in the file: severities.high.acknowledgeWithin
function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}
