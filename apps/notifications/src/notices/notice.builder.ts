import { NoticeSeverity, OptOutKind, Principal } from '@app/contracts';
import { NoticeEvent, noticeSeverityOf } from './notice-policy';
import { LinkedService } from './notice-routing';
import { AnomalyRecord, optOutIdOf, OptOutRecord, personOf } from './opt-out-history';

/** How far back a notice looks at the person's opt-outs and anomalies. */
export const HISTORY_WINDOW_DAYS = 30;
export const HISTORY_WINDOW_MS = HISTORY_WINDOW_DAYS * 24 * 60 * 60 * 1000;

/** A call on one service's HTTP API; `url` is absolute when the routing file names the service's base URL. */
export interface NoticeLink {
  service: LinkedService;
  method: 'GET' | 'POST';
  path: string;
  url: string;
}

export interface NoticeSection {
  title: string;
  lines: string[];
}

/** What the service knew when the event arrived, for a notice that needs no other lookup. */
export interface NoticeFacts {
  event: NoticeEvent;
  /** The opt-out the event is about, with this event applied; null when it was never seen. */
  optOut: OptOutRecord | null;
  /** The person's other opt-outs first seen in the window before the event, newest first. */
  history: OptOutRecord[];
  /** Anomalies about the person detected in the window, newest first, this one left out. */
  anomalies: AnomalyRecord[];
}

/** A notice's content, the same for every recipient and level; addressing is added per notice. */
export interface NoticeContent {
  eventId: string;
  eventType: NoticeEvent['type'];
  severity: NoticeSeverity;
  occurredAt: string;
  /** The event's partition key, which NoticeEscalated and NoticeAcknowledged are keyed by. */
  partitionKey: string;
  optOutId: string;
  personId: string | null;
  kind: OptOutKind | null;
  resource: string | null;
  headline: string;
  sections: NoticeSection[];
  links: Record<string, NoticeLink>;
  event: NoticeEvent;
}

export type BaseUrls = Partial<Record<LinkedService, string>>;

export function buildNoticeContent(facts: NoticeFacts, baseUrls: BaseUrls): NoticeContent {
  const { event, optOut } = facts;
  const personId = personOf(event, optOut);
  const optOutId = optOutIdOf(event);
  const kind = kindOf(event, optOut);
  const headline = headlineOf(event, optOut);
  return {
    eventId: event.id,
    eventType: event.type,
    severity: noticeSeverityOf(event),
    occurredAt: event.time,
    partitionKey: event.partitionKey,
    optOutId,
    personId,
    kind,
    resource: resourceOf(event, optOut),
    headline,
    sections: [
      { title: 'What happened', lines: [headline] },
      whoSection(event, optOut, personId),
      whatSection(event, optOut, kind),
      whySection(event, optOut),
      referenceSection(optOut),
      howLongSection(event, optOut),
      historySection(personId, facts.history),
      anomaliesSection(personId, facts.anomalies),
    ],
    links: optOutLinks(
      optOutId,
      kind,
      optOut !== null || event.type !== 'AnomalyDetected',
      baseUrls,
    ),
    event,
  };
}

function headlineOf(event: NoticeEvent, optOut: OptOutRecord | null): string {
  const access = (data: { role: string; resource: string }) => `${data.role} on ${data.resource}`;
  const known = optOut ? `${optOut.subject}'s ${optOut.kind} for ${access(optOut)}` : null;
  const subjectOf = (id: string) => known ?? `opt-out ${id}`;
  switch (event.type) {
    case 'OptOutRequested': {
      const data = event.data;
      return `${data.requester.id} asks for a ${data.kind}: ${access(data)} for ${data.duration}`;
    }
    case 'OptOutRefused': {
      const data = event.data;
      return (
        `${data.requester.id}'s ${data.kind} for ${access(data)} was refused by ` +
        `${data.rule} (${data.reason}): ${data.message}`
      );
    }
    case 'OptOutApprovalRecorded': {
      const data = event.data;
      return (
        `${data.approver} approved ${subjectOf(data.optOutId)} ` +
        `(${data.approvalsCount} of ${data.approvalsRequired})`
      );
    }
    case 'OptOutDenied':
      return `${event.data.deniedBy} denied ${subjectOf(event.data.optOutId)}`;
    case 'OptOutActivated': {
      const data = event.data;
      const verb = data.kind === 'break-glass' ? 'broke glass' : `has a ${data.kind}`;
      return `${data.subject} ${verb}: ${access(data)} from ${data.startsAt} until ${data.endsAt}`;
    }
    case 'OptOutRenewed': {
      const data = event.data;
      return (
        `${data.renewedBy} renewed ${data.subject}'s ${data.kind} for ${access(data)} ` +
        `until ${data.endsAt}`
      );
    }
    case 'OptOutLapsed': {
      const data = event.data;
      return `${data.subject}'s ${data.kind} for ${access(data)} lapsed after ${data.unusedFor} unused`;
    }
    case 'OptOutRevoked': {
      const data = event.data;
      return `${data.revokedBy} revoked ${data.subject}'s ${data.kind} for ${access(data)}`;
    }
    case 'OptOutExpired': {
      const data = event.data;
      const after =
        data.coveringGrantIds.length > 0
          ? `access stays through ${data.coveringGrantIds.length} other grant(s)`
          : 'access is being revoked';
      return `${data.subject}'s ${data.kind} for ${access(data)} ended at ${data.endedAt}; ${after}`;
    }
    case 'BreakGlassReviewOverdue': {
      const data = event.data;
      return (
        `The review of ${data.subject}'s break-glass for ${access(data)} is overdue ` +
        `(due ${data.reviewBy})`
      );
    }
    case 'BreakGlassReviewed': {
      const data = event.data;
      const late = data.late ? ', late' : '';
      return `${data.reviewer} reviewed ${data.subject}'s break-glass: ${data.outcome}${late}`;
    }
    case 'BreakGlassEligibilitySuspended':
      return `${event.data.subject} may not break glass until their overdue reviews are done`;
    case 'BreakGlassEligibilityRestored':
      return `${event.data.subject} may break glass again: no review is overdue`;
    case 'LegacyExemptionRecertificationDue': {
      const data = event.data;
      return (
        `${data.owner} must recertify the legacy exemption of ${data.subject} for ` +
        `${access(data)} by ${data.endsAt}`
      );
    }
    case 'AnomalyDetected': {
      const data = event.data;
      return `Anomaly ${data.rule} (score ${data.score.toFixed(2)}) about ${data.subject}: ${data.reason}`;
    }
    default:
      return assertNever(event);
  }
}

function whoSection(
  event: NoticeEvent,
  optOut: OptOutRecord | null,
  personId: string | null,
): NoticeSection {
  const principal: Principal | null =
    'requester' in event.data ? event.data.requester : (optOut?.requester ?? null);
  if (!principal) {
    return {
      title: 'Who',
      lines: [
        `id: ${personId ?? 'not known'}`,
        'groups and attributes: not known (the request was not seen by this service)',
      ],
    };
  }
  return {
    title: 'Who',
    lines: [
      `id: ${principal.id}`,
      `groups: ${principal.groups.length > 0 ? principal.groups.join(', ') : 'none'}`,
      `attributes: ${describeAttributes(principal.attributes)}`,
    ],
  };
}

function whatSection(
  event: NoticeEvent,
  optOut: OptOutRecord | null,
  kind: OptOutKind | null,
): NoticeSection {
  const resource = resourceOf(event, optOut);
  const role = 'role' in event.data ? event.data.role : (optOut?.role ?? null);
  const lines = [
    `event: ${event.type}`,
    `kind: ${kind ?? 'not known'}`,
    `resource: ${resource ?? 'not known'}`,
    `role: ${role ?? 'not known'}`,
  ];
  if (optOut) lines.push(`current state: ${describeState(optOut)}`);
  return { title: 'What', lines };
}

function whySection(event: NoticeEvent, optOut: OptOutRecord | null): NoticeSection {
  const lines: string[] = [];
  const justification =
    'justification' in event.data ? event.data.justification : (optOut?.justification ?? null);
  lines.push(`justification: ${justification ?? 'not known'}`);
  const owner = optOut?.owner ?? null;
  if (owner) lines.push(`owner: ${owner}`);
  const controls = optOut?.compensatingControls ?? [];
  if (controls.length > 0) lines.push(`compensating controls: ${controls.join('; ')}`);
  lines.push(...eventSpecificReasons(event));
  return { title: 'Why', lines };
}

function eventSpecificReasons(event: NoticeEvent): string[] {
  switch (event.type) {
    case 'OptOutRefused':
      return [`refused: ${event.data.message} (rule ${event.data.rule})`];
    case 'OptOutDenied':
      return [`denial comment: ${event.data.comment ?? 'none'}`];
    case 'OptOutApprovalRecorded':
      return [`approval comment: ${event.data.comment ?? 'none'}`];
    case 'OptOutRenewed':
      return [`attestation: ${event.data.attestation}`];
    case 'OptOutRevoked':
      return [`revocation reason: ${event.data.reason}`];
    case 'BreakGlassReviewed':
      return [`review notes: ${event.data.notes}`];
    case 'AnomalyDetected':
      return [`anomaly: ${event.data.reason}`];
    default:
      return [];
  }
}

function referenceSection(optOut: OptOutRecord | null): NoticeSection {
  return {
    title: 'Incident or ticket',
    lines: [`incident: ${optOut?.incident ?? 'none'}`, `ticket: ${optOut?.ticket ?? 'none'}`],
  };
}

function howLongSection(event: NoticeEvent, optOut: OptOutRecord | null): NoticeSection {
  const data = event.data;
  const startsAt = 'startsAt' in data ? data.startsAt : (optOut?.startsAt ?? null);
  const endsAt = 'endsAt' in data ? data.endsAt : (optOut?.endsAt ?? null);
  const duration = 'duration' in data ? data.duration : (optOut?.duration ?? null);
  const maximum =
    'maximumDuration' in data ? data.maximumDuration : (optOut?.maximumDuration ?? null);
  const lines = [
    `window: ${startsAt && endsAt ? `${startsAt} until ${endsAt}` : 'not active'}`,
    `duration: ${duration ?? 'not known'}`,
    `maximum: ${maximum ?? 'not known'}`,
  ];
  const reviewBy = 'reviewBy' in data ? data.reviewBy : (optOut?.reviewBy ?? null);
  if (reviewBy) lines.push(`review due by: ${reviewBy}`);
  const recertifyBy = 'recertifyBy' in data ? data.recertifyBy : (optOut?.recertifyBy ?? null);
  if (recertifyBy) lines.push(`recertification due by: ${recertifyBy}`);
  if (event.type === 'OptOutActivated' && event.data.lapseAfterUnused) {
    lines.push(`lapses after unused for: ${event.data.lapseAfterUnused}`);
  }
  return { title: 'How long', lines };
}

function historySection(personId: string | null, history: readonly OptOutRecord[]): NoticeSection {
  const title = `Opt-outs of ${personId ?? 'this person'} in the last ${HISTORY_WINDOW_DAYS} days`;
  if (history.length === 0) return { title, lines: ['none besides this one'] };
  return {
    title,
    lines: history.map(
      (record) =>
        `${record.firstSeenAt} ${record.kind} ${record.role} on ${record.resource} ` +
        `for ${record.duration}: ${describeState(record)}`,
    ),
  };
}

function anomaliesSection(
  personId: string | null,
  anomalies: readonly AnomalyRecord[],
): NoticeSection {
  const title = `Anomalies about ${personId ?? 'this person'} in the last ${HISTORY_WINDOW_DAYS} days`;
  if (anomalies.length === 0) return { title, lines: ['none'] };
  return {
    title,
    lines: anomalies.map(
      (anomaly) =>
        `${anomaly.detectedAt} ${anomaly.rule} (score ${anomaly.score.toFixed(2)}): ${anomaly.reason}`,
    ),
  };
}

function optOutLinks(
  optOutId: string,
  kind: OptOutKind | null,
  isOptOut: boolean,
  baseUrls: BaseUrls,
): Record<string, NoticeLink> {
  if (!isOptOut) return {};
  const links: Record<string, NoticeLink> = {
    optOut: noticeLink('approvals', 'GET', `/opt-outs/${optOutId}`, baseUrls),
    revoke: noticeLink('approvals', 'POST', `/opt-outs/${optOutId}/revoke`, baseUrls),
  };
  if (kind === 'break-glass' || kind === null) {
    links['review'] = noticeLink('approvals', 'POST', `/opt-outs/${optOutId}/review`, baseUrls);
  }
  links['audit'] = noticeLink(
    'ledger',
    'GET',
    `/audit?optOutId=${encodeURIComponent(optOutId)}`,
    baseUrls,
  );
  return links;
}

export function noticeLink(
  service: LinkedService,
  method: NoticeLink['method'],
  path: string,
  baseUrls: BaseUrls,
): NoticeLink {
  const base = baseUrls[service];
  return { service, method, path, url: base ? `${base.replace(/\/+$/, '')}${path}` : path };
}

function kindOf(event: NoticeEvent, optOut: OptOutRecord | null): OptOutKind | null {
  if ('kind' in event.data) return event.data.kind;
  if (event.type.startsWith('BreakGlass')) return 'break-glass';
  return optOut?.kind ?? null;
}

function resourceOf(event: NoticeEvent, optOut: OptOutRecord | null): string | null {
  return 'resource' in event.data ? event.data.resource : (optOut?.resource ?? null);
}

function describeState(record: OptOutRecord): string {
  const reason = record.outcomeReason ? ` (${record.outcomeReason})` : '';
  const review = record.review ? `, review ${record.review}` : '';
  return `${record.outcome}${reason}${review}`;
}

function describeAttributes(attributes: Principal['attributes']): string {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return 'none';
  return entries
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join('|') : String(value)}`)
    .join(', ');
}

function assertNever(value: never): never {
  throw new Error(`unhandled notice event: ${JSON.stringify(value)}`);
}
