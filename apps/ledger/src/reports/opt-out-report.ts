import { AnomalyRule, OptOutKind, OptOutRefusalReason } from '@app/contracts';
import { ProjectedEntry } from '../projections/projected-entry';
import {
  BreakGlassReviewDone,
  OptOutCounts,
  OptOutEnd,
  OptOutLife,
  OptOutReport,
  ReportPeriod,
  ReviewOverdue,
} from './reports.schemas';

export type {
  BreakGlassReviewDone,
  OptOutCounts,
  OptOutEnd,
  OptOutLife,
  OptOutReport,
  ReportPeriod,
  ReviewOutcome,
  ReviewOverdue,
} from './reports.schemas';

const noCounts = (): OptOutCounts => ({
  requested: 0,
  refused: 0,
  activated: 0,
  renewed: 0,
  revoked: 0,
  expired: 0,
  lapsed: 0,
});

// Limitation: the report reads only the entries of the period, so an opt-out requested before it
// is counted by team only when its request is in the period too, and is listed with what the
// period shows of it.
/** Folds the ledger entries of a period, in seq order, into the report of its opt-outs. */
export function optOutReport(
  period: ReportPeriod,
  entries: readonly ProjectedEntry[],
): OptOutReport {
  const lives = new Map<string, OptOutLife>();
  const totals = noCounts();
  const byKind = new Map<string, OptOutCounts>();
  const byTeam = new Map<string, OptOutCounts>();
  const byResource = new Map<string, OptOutCounts>();
  const refusals = new Map<OptOutRefusalReason, number>();
  const anomalies = new Map<AnomalyRule, number>();
  const overdue = new Map<string, ReviewOverdue>();
  const reviewsDone: BreakGlassReviewDone[] = [];

  const lifeOf = (optOutId: string): OptOutLife => {
    let life = lives.get(optOutId);
    if (!life) {
      life = {
        optOutId,
        kind: null,
        subject: null,
        resource: null,
        role: null,
        teams: [],
        requestedAt: null,
        refusal: null,
        activatedAt: null,
        endsAt: null,
        renewals: 0,
        uses: 0,
        ended: null,
        review: null,
        anomalies: [],
        events: [],
      };
      lives.set(optOutId, life);
    }
    return life;
  };
  const count = (life: OptOutLife, what: keyof OptOutCounts) => {
    totals[what] += 1;
    const buckets: [Map<string, OptOutCounts>, string | null][] = [
      [byKind, life.kind],
      [byResource, life.resource],
      ...life.teams.map((team): [Map<string, OptOutCounts>, string] => [byTeam, team]),
    ];
    for (const [map, key] of buckets) {
      if (key === null) continue;
      const counts = map.get(key) ?? noCounts();
      counts[what] += 1;
      map.set(key, counts);
    }
  };
  const access = (
    life: OptOutLife,
    data: { kind: OptOutKind; subject: string; resource: string; role: string },
  ) => {
    life.kind ??= data.kind;
    life.subject ??= data.subject;
    life.resource ??= data.resource;
    life.role ??= data.role;
  };
  const end = (life: OptOutLife, how: OptOutEnd, at: string) => {
    if (life.ended) return;
    life.ended = { how, at };
    count(life, how);
  };

  for (const { seq, event } of entries) {
    if (event.type === 'AnomalyDetected') {
      const { data } = event;
      anomalies.set(data.rule, (anomalies.get(data.rule) ?? 0) + 1);
      for (const id of data.relatedIds) lives.get(id)?.anomalies.push(data.rule);
      continue;
    }
    if (!('optOutId' in event.data)) continue;
    const life = lifeOf(event.data.optOutId);
    life.events.push({ seq, at: event.time, type: event.type });

    switch (event.type) {
      case 'OptOutRequested': {
        const { data } = event;
        access(life, { ...data, subject: data.requester.id });
        life.teams = [...data.requester.groups];
        life.requestedAt = data.requestedAt;
        count(life, 'requested');
        break;
      }
      case 'OptOutRefused': {
        const { data } = event;
        access(life, { ...data, subject: data.requester.id });
        life.refusal = { reason: data.reason, rule: data.rule };
        refusals.set(data.reason, (refusals.get(data.reason) ?? 0) + 1);
        count(life, 'refused');
        break;
      }
      case 'OptOutActivated':
        access(life, event.data);
        life.activatedAt = event.data.activatedAt;
        life.endsAt = event.data.endsAt;
        count(life, 'activated');
        break;
      case 'OptOutRenewed':
        access(life, event.data);
        life.endsAt = event.data.endsAt;
        life.renewals += 1;
        count(life, 'renewed');
        break;
      case 'OptOutUsed':
        life.uses += 1;
        break;
      case 'OptOutExpired':
        access(life, event.data);
        end(life, 'expired', event.data.endedAt);
        break;
      case 'OptOutRevoked':
        access(life, event.data);
        end(life, 'revoked', event.data.revokedAt);
        break;
      case 'OptOutLapsed':
        access(life, event.data);
        end(life, 'lapsed', event.data.lapsedAt);
        break;
      case 'BreakGlassReviewOverdue':
        access(life, { ...event.data, kind: 'break-glass' });
        overdue.set(event.data.optOutId, {
          optOutId: event.data.optOutId,
          subject: event.data.subject,
          reviewBy: event.data.reviewBy,
          reviewedAt: null,
        });
        break;
      case 'BreakGlassReviewed': {
        const { optOutId, subject, reviewer, outcome, late, reviewedAt } = event.data;
        life.kind ??= 'break-glass';
        life.subject ??= subject;
        reviewsDone.push({ optOutId, subject, reviewer, outcome, late, reviewedAt });
        life.review = { reviewer, outcome, late, reviewedAt };
        const open = overdue.get(optOutId);
        if (open) open.reviewedAt = reviewedAt;
        break;
      }
      default:
        break;
    }
  }

  return {
    period,
    entries: entries.length,
    totals,
    byKind: sortedByKey(byKind),
    byTeam: sortedByKey(byTeam),
    byResource: sortedByKey(byResource),
    refusalsByReason: sortedByKey(refusals),
    reviews: {
      done: reviewsDone,
      doneByOutcome: {
        justified: reviewsDone.filter((review) => review.outcome === 'justified').length,
        unjustified: reviewsDone.filter((review) => review.outcome === 'unjustified').length,
      },
      openAtEnd: [...overdue.values()].filter((review) => review.reviewedAt === null),
      doneLate: reviewsDone
        .filter((review) => review.late)
        .map(({ optOutId, subject, reviewer, reviewedAt }) => ({
          optOutId,
          subject,
          reviewer,
          reviewedAt,
        })),
    },
    anomaliesByRule: sortedByKey(anomalies),
    optOuts: [...lives.values()],
  };
}

/**
 * A map as an object whose keys are in code-unit order, so the same period always answers the same
 * bytes, whatever order its entries first named them in.
 */
function sortedByKey<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  const sorted = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(sorted);
}

const COUNT_COLUMNS: (keyof OptOutCounts)[] = [
  'requested',
  'refused',
  'activated',
  'renewed',
  'revoked',
  'expired',
  'lapsed',
];

/** The report as Markdown, for people to read. */
export function optOutReportText(report: OptOutReport): string {
  const lines = [
    `# Opt-outs from ${report.period.from} to ${report.period.to}`,
    '',
    `${report.optOuts.length} opt-out(s) in ${report.entries} ledger entries: ` +
      COUNT_COLUMNS.map((column) => `${report.totals[column]} ${column}`).join(', ') +
      '.',
    '',
    ...countsTable('By kind', 'kind', report.byKind),
    ...countsTable('By team', 'team', report.byTeam),
    ...countsTable('By resource', 'resource', report.byResource),
    '## Refusals by reason',
    '',
    ...listOrNone(
      present(report.refusalsByReason).map(([reason, count]) => `- ${reason}: ${count}`),
    ),
    '',
    ...reviewsSection(report.reviews),
    '## Anomalies by rule',
    '',
    ...listOrNone(present(report.anomaliesByRule).map(([rule, count]) => `- ${rule}: ${count}`)),
    '',
    '## Opt-outs',
    '',
    ...listOrNone(report.optOuts.map(lifeLine)),
    '',
  ];
  return lines.join('\n');
}

function reviewsSection(reviews: OptOutReport['reviews']): string[] {
  const { done, doneByOutcome, openAtEnd } = reviews;
  const late = done.filter((review) => review.late).length;
  return [
    '## Break-glass reviews',
    '',
    `${done.length} done in the period: ${doneByOutcome.justified} justified, ` +
      `${doneByOutcome.unjustified} unjustified, ${late} of them late; ` +
      `${openAtEnd.length} overdue and still open at the end of the period.`,
    '',
    ...done.map(
      (review) =>
        `- ${review.outcome}${review.late ? ', late' : ''}: break-glass ${review.optOutId} of ` +
        `${review.subject}, reviewed by ${review.reviewer} at ${review.reviewedAt}`,
    ),
    ...openAtEnd.map(
      (review) =>
        `- still open: break-glass ${review.optOutId} of ${review.subject}, due ${review.reviewBy}`,
    ),
    ...(done.length + openAtEnd.length > 0 ? [''] : []),
  ];
}

function countsTable(
  title: string,
  label: string,
  rows: Partial<Record<string, OptOutCounts>>,
): string[] {
  const entries = present(rows);
  if (entries.length === 0) return [`## ${title}`, '', 'none', ''];
  return [
    `## ${title}`,
    '',
    `| ${label} | ${COUNT_COLUMNS.join(' | ')} |`,
    `| --- | ${COUNT_COLUMNS.map(() => '---:').join(' | ')} |`,
    ...entries.map(
      ([key, counts]) =>
        `| ${key} | ${COUNT_COLUMNS.map((column) => counts[column]).join(' | ')} |`,
    ),
    '',
  ];
}

function lifeLine(life: OptOutLife): string {
  const who =
    life.subject === null
      ? 'whose access the period does not say'
      : life.resource === null
        ? life.subject
        : `${life.subject} (${life.role} on ${life.resource})`;
  const { review } = life;
  const steps = [
    life.requestedAt && `requested ${life.requestedAt}`,
    life.refusal && `refused (${life.refusal.reason}, rule ${life.refusal.rule})`,
    life.activatedAt && `active ${life.activatedAt} until ${life.endsAt}`,
    life.renewals > 0 && `renewed ${life.renewals} time(s)`,
    `${life.uses} use(s) reported`,
    life.ended
      ? `${life.ended.how} ${life.ended.at}`
      : life.activatedAt && 'not ended in the period',
    review &&
      `reviewed ${review.outcome} by ${review.reviewer} at ${review.reviewedAt}` +
        (review.late ? ', late' : ''),
    life.anomalies.length > 0 && `anomalies: ${life.anomalies.join(', ')}`,
  ].filter((step): step is string => typeof step === 'string' && step.length > 0);
  return `- ${life.kind ?? 'opt-out'} ${life.optOutId} of ${who}: ${steps.join('; ')}`;
}

/** The entries of a record that has a value, in the record's own key order. */
function present<V>(record: Partial<Record<string, V>>): [string, V][] {
  return Object.entries(record).filter((entry): entry is [string, V] => entry[1] !== undefined);
}

function listOrNone(lines: string[]): string[] {
  return lines.length > 0 ? lines : ['none'];
}
