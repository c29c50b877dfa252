import { NoticeEscalated } from '@app/contracts';
import { z } from 'zod';
import { BaseUrls, NoticeContent, noticeLink, NoticeLink, NoticeSection } from './notice.builder';
import { NoticeRecipient } from './notice-routing';

type EscalationReason = z.infer<typeof NoticeEscalated>['reason'];

/** Who one notice goes to, and why it reached them. */
export interface NoticeAddress {
  noticeId: string;
  level: number;
  recipient: NoticeRecipient;
  /** Set on notices an escalation created. */
  escalation: { fromLevel: number; reason: EscalationReason } | null;
}

/** A notice as one recipient reads it, in every channel. */
export interface RenderedNotice {
  /** One line: severity, kind, subject and resource. */
  subject: string;
  sections: NoticeSection[];
  links: Record<string, NoticeLink>;
  text: string;
}

export function renderNotice(
  content: NoticeContent,
  address: NoticeAddress,
  baseUrls: BaseUrls,
): RenderedNotice {
  const links: Record<string, NoticeLink> = {
    ...content.links,
    acknowledge: noticeLink(
      'notifications',
      'POST',
      `/notices/${address.noticeId}/acknowledge`,
      baseUrls,
    ),
  };
  const sections = [
    ...(address.escalation ? [escalationSection(content, address)] : []),
    ...content.sections,
    actSection(content, links),
  ];
  const subject = subjectLine(content, address);
  return { subject, sections, links, text: plainText(content, subject, sections) };
}

/** The JSON incoming-message shape Slack and Mattermost accept: a fallback text and sections. */
export function chatMessage(notice: RenderedNotice): string {
  return JSON.stringify({
    text: notice.subject,
    blocks: notice.sections.map((section) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${section.title}*\n${section.lines.join('\n')}` },
    })),
  });
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

export function emailMessage(notice: RenderedNotice, from: string, to: string): string {
  const message: EmailMessage = { from, to, subject: notice.subject, text: notice.text };
  return JSON.stringify(message);
}

/** The signed generic webhook's document: the notice, its addressing and the event itself. */
export function noticeWebhookBody(
  deliveryId: string,
  content: NoticeContent,
  address: NoticeAddress,
  notice: RenderedNotice,
): string {
  return JSON.stringify({
    deliveryId,
    noticeId: address.noticeId,
    eventId: content.eventId,
    eventType: content.eventType,
    occurredAt: content.occurredAt,
    severity: content.severity,
    level: address.level,
    recipient: address.recipient.id,
    escalation: address.escalation,
    summary: notice.subject,
    sections: notice.sections,
    links: notice.links,
    event: content.event,
  });
}

function subjectLine(content: NoticeContent, address: NoticeAddress): string {
  const escalated = address.escalation ? ` escalated to level ${address.level}` : '';
  const kind = content.kind ?? 'opt-out';
  const person = content.personId ?? 'unknown person';
  const resource = content.resource ?? 'unknown resource';
  return `[${content.severity.toUpperCase()}${escalated}] ${kind} ${content.eventType}: ${person} on ${resource}`;
}

function escalationSection(content: NoticeContent, address: NoticeAddress): NoticeSection {
  const escalation = address.escalation!;
  const why =
    escalation.reason === 'unacknowledged'
      ? `nobody at level ${escalation.fromLevel} acknowledged it in time`
      : `a delivery to level ${escalation.fromLevel} failed after its last attempt`;
  return {
    title: 'Escalated',
    lines: [`This ${content.severity} notice reached you at level ${address.level}: ${why}.`],
  };
}

function actSection(content: NoticeContent, links: Record<string, NoticeLink>): NoticeSection {
  const describe: Record<string, string> = {
    optOut: 'see the opt-out',
    review: 'review it (break-glass post-incident review)',
    revoke: 'revoke it',
    audit: 'read its audit trail',
    acknowledge: 'acknowledge this notice',
  };
  const lines = Object.entries(links).map(
    ([name, link]) => `${describe[name] ?? name}: ${link.method} ${link.url}`,
  );
  if (content.severity !== 'info') {
    lines.push('Unacknowledged, this notice escalates to the next level.');
  }
  return { title: 'Act', lines };
}

function plainText(content: NoticeContent, subject: string, sections: NoticeSection[]): string {
  const body = sections
    .map((section) => [section.title, ...section.lines.map((line) => `  ${line}`)].join('\n'))
    .join('\n\n');
  return `${subject}\n\n${body}\n\nEvent ${content.eventType} ${content.eventId} at ${content.occurredAt}.\n`;
}
