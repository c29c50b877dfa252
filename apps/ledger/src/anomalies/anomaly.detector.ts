import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createEvent, DomainEvent, EventEnvelope } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { PollingLoop } from '@app/messaging';
import { TransactionalOutbox } from '@app/platform';
import { LedgerEntriesRepository } from '../append/ledger-entries.repository';
import { CorruptLedgerEntryError, toProjectedEntry } from '../projections/projection-rebuilder';
import { ProjectedEntry } from '../projections/projected-entry';
import { Queryable } from '../queryable';
import { AnomalyFactsRepository } from './anomaly-facts.repository';
import {
  AnomalyThresholds,
  approvalTooFast,
  breakGlassOutsideHours,
  Finding,
  firstAccessToResource,
  frequencyAboveBaseline,
  isAtMaximum,
  mutualApprovals,
  repeatedMaximumDuration,
  standingExceptionUnused,
} from './anomaly.rules';

export const ANOMALY_THRESHOLDS = Symbol('ANOMALY_THRESHOLDS');

const BATCH_SIZE = 200;
const IDLE_DELAY_MS = 250;
const DETECTOR_LOCK = 'ledger:anomaly-detection';
const MAX_REASON_LENGTH = 2000;

const before = (instant: string, ms: number) => new Date(Date.parse(instant) - ms).toISOString();

// Limitation: each entry costs a few queries in the detector's transaction, so it follows a
// burst of appends more slowly than they are appended; it catches up when the burst ends.
/**
 * Follows the ledger in seq order from its own cursor and reports what the anomaly rules find.
 * One instance works at a time (a transaction-scoped advisory lock). The facts the rules need,
 * the anomalies found and the cursor change in the transaction that writes the AnomalyDetected
 * events to the outbox, and each rule reports an entry at most once, so a restart, a second
 * instance or a replayed batch reports nothing twice. AnomalyDetected entries are not inputs.
 */
@Injectable()
export class AnomalyDetector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AnomalyDetector.name);
  private readonly polling: PollingLoop;

  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly entries: LedgerEntriesRepository,
    private readonly facts: AnomalyFactsRepository,
    @Inject(ANOMALY_THRESHOLDS) private readonly thresholds: AnomalyThresholds,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.polling = new PollingLoop({
      round: async () => ((await this.detectPending()) < BATCH_SIZE ? 'wait' : 'again'),
      idleMs: IDLE_DELAY_MS,
      // Appends wake the detector often; they must not cut short the back-off after a failure.
      backoff: { baseMs: 100, maxMs: 5000, endsOnWake: false, errorFromAttempt: 5 },
      logger: this.logger,
      failureMessage: 'anomaly detection round failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.polling.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.polling.stop();
  }

  /** Asks for a round now, e.g. right after an append committed. */
  wake(): void {
    this.polling.wake();
  }

  /** Examines the entries after the cursor; returns how many were read. */
  async detectPending(): Promise<number> {
    return this.outbox.transaction(async (manager, emit) => {
      if (!(await this.facts.takeTurn(manager, DETECTOR_LOCK))) return 0;

      const cursor = await this.facts.readCursor(manager);
      const stored = await this.entries.readEntries(
        manager,
        cursor,
        Number.MAX_SAFE_INTEGER,
        BATCH_SIZE,
      );
      if (stored.length === 0) return 0;

      const anomalies: DomainEvent[] = [];
      for (const entry of stored) {
        const projected = this.decode(entry);
        if (!projected || projected.event.type === 'AnomalyDetected') continue;
        const findings = await this.examine(manager, projected);
        anomalies.push(...(await this.claim(manager, projected, findings)));
      }
      await emit(anomalies);
      await this.facts.moveCursor(manager, stored[stored.length - 1]!.seq);
      if (anomalies.length > 0) this.logFound(anomalies);
      return stored.length;
    });
  }

  private decode(entry: Parameters<typeof toProjectedEntry>[0]): ProjectedEntry | null {
    try {
      return toProjectedEntry(entry);
    } catch (error) {
      if (!(error instanceof CorruptLedgerEntryError)) throw error;
      this.logger.error({ msg: 'ledger entry skipped by anomaly detection', error: error.message });
      return null;
    }
  }

  /** Runs the rules an entry is an input of, then records the facts it adds. */
  private async examine(db: Queryable, entry: ProjectedEntry): Promise<Finding[]> {
    const { event } = entry;
    switch (event.type) {
      case 'AccessRequested':
      case 'ApprovalRequested': {
        const { data } = event;
        await this.facts.noteSubject(db, {
          id: data.requestId,
          kind: 'jit',
          requester: data.requester.id,
          groups: data.requester.groups,
          resource: data.resource,
          justificationLength: data.justification.length,
          approvalRequestedAt: event.type === 'ApprovalRequested' ? event.time : null,
        });
        return [];
      }
      case 'GrantIssued':
        return this.grantIssued(db, event);
      case 'OptOutRequested':
        return this.optOutRequested(db, event);
      case 'OptOutActivated':
        return this.optOutActivated(db, event);
      case 'OptOutUsed':
        await this.facts.countUse(db, event.data.optOutId);
        return [];
      case 'OptOutLapsed': {
        const { data } = event;
        await this.facts.markEnded(db, data.optOutId);
        return present(standingExceptionUnused({ ...data, ending: 'lapsed' }));
      }
      case 'OptOutExpired':
        return this.optOutExpired(db, event);
      case 'OptOutRevoked':
        await this.facts.markEnded(db, event.data.optOutId);
        return [];
      case 'ApprovalRecorded':
        return this.approvalRecorded(db, entry.seq, event.data.requestId, event.data);
      case 'OptOutApprovalRecorded':
        return this.approvalRecorded(db, entry.seq, event.data.optOutId, event.data);
      default:
        return [];
    }
  }

  // Limitation: a JIT request states no policy maximum, so one asked for at exactly its maximum
  // is not seen; only a grant capped to its maximum (asked for more) counts for
  // repeated-maximum-duration, next to opt-outs, whose requests state their maximum.
  private async grantIssued(db: Queryable, event: EventEnvelope<'GrantIssued'>) {
    const { data } = event;
    await this.facts.noteHeld(db, data.subject, data.resource);
    if (!data.capped) return [];

    const found = await this.atMaximum(db, {
      id: data.requestId,
      requester: data.subject,
      resource: data.resource,
      duration: data.duration,
      maximumDuration: data.duration,
      requestedAt: event.time,
    });
    return present(found);
  }

  private async optOutRequested(db: Queryable, event: EventEnvelope<'OptOutRequested'>) {
    const { data } = event;
    await this.facts.noteSubject(db, {
      id: data.optOutId,
      kind: data.kind,
      requester: data.requester.id,
      groups: data.requester.groups,
      resource: data.resource,
      justificationLength: data.justification.length,
      approvalRequestedAt: event.time,
    });
    const outsideHours = breakGlassOutsideHours(data, this.thresholds.workingHours);
    const atMaximum = await this.atMaximum(db, {
      id: data.optOutId,
      requester: data.requester.id,
      resource: data.resource,
      duration: data.duration,
      maximumDuration: data.maximumDuration,
      requestedAt: data.requestedAt,
    });
    return present(outsideHours, atMaximum);
  }

  private async atMaximum(
    db: Queryable,
    request: {
      id: string;
      requester: string;
      resource: string;
      duration: string;
      maximumDuration: string | null;
      requestedAt: string;
    },
  ): Promise<Finding | null> {
    if (!isAtMaximum(request.duration, request.maximumDuration)) return null;
    const { windowMs } = this.thresholds.maximumDuration;
    const earlier = await this.facts.atMaximumSince(
      db,
      request.requester,
      before(request.requestedAt, windowMs),
    );
    await this.facts.noteAtMaximum(db, request.id, request.requester, request.requestedAt);
    return repeatedMaximumDuration(
      { ...request, earlierAtMaximum: earlier.filter((seen) => seen.id !== request.id) },
      this.thresholds.maximumDuration,
    );
  }

  private async optOutActivated(db: Queryable, event: EventEnvelope<'OptOutActivated'>) {
    const { data } = event;
    const { frequency } = this.thresholds;
    const requested = await this.facts.findSubject(db, data.optOutId);
    const teams = requested?.groups ?? [];
    const since = before(data.activatedAt, frequency.windowMs * (frequency.baselineWindows + 1));

    const firstAccess = firstAccessToResource({
      ...data,
      heldBefore: await this.facts.heldBefore(db, data.subject, data.resource),
    });
    const busy = frequencyAboveBaseline(
      {
        ...data,
        teams,
        personHistory: await this.facts.activationsOf(db, data.subject, since),
        teamHistory: await this.facts.activationsOfTeams(db, teams, since),
      },
      frequency,
    );

    await this.facts.noteHeld(db, data.subject, data.resource);
    await this.facts.noteActivation(db, {
      optOutId: data.optOutId,
      subject: data.subject,
      groups: teams,
      at: data.activatedAt,
    });
    return present(firstAccess, busy);
  }

  private async optOutExpired(db: Queryable, event: EventEnvelope<'OptOutExpired'>) {
    const { data } = event;
    const known = await this.facts.findSubject(db, data.optOutId);
    await this.facts.markEnded(db, data.optOutId);
    // A lapsed or revoked one was judged when it ended; an unknown one has uncounted uses.
    if (!known || known.ended) return [];
    return present(standingExceptionUnused({ ...data, uses: known.uses, ending: 'expired' }));
  }

  private async approvalRecorded(
    db: Queryable,
    seq: number,
    approvedId: string,
    data: { approver: string; recordedAt: string },
  ): Promise<Finding[]> {
    const approved = await this.facts.findSubject(db, approvedId);
    if (!approved) return [];
    const approval = {
      approvedId,
      approver: data.approver,
      requester: approved.requester,
      resource: approved.resource,
      recordedAt: data.recordedAt,
    };

    const lookback = this.thresholds.mutualApprovalLookbackMs;
    const reverse = await this.facts.latestApproval(
      db,
      approved.requester,
      data.approver,
      before(data.recordedAt, lookback),
    );
    const mutual = mutualApprovals(approval, reverse, lookback);
    const tooFast =
      approved.approvalRequestedAt === null
        ? null
        : approvalTooFast(
            {
              ...approval,
              requestedAt: approved.approvalRequestedAt,
              justificationLength: approved.justificationLength,
            },
            this.thresholds.approvalReading,
          );

    await this.facts.noteApproval(db, { seq, ...approval });
    return present(mutual, tooFast);
  }

  /** The findings not reported before, as events; the claim makes a repeat a no-op. */
  private async claim(
    db: Queryable,
    entry: ProjectedEntry,
    findings: readonly Finding[],
  ): Promise<DomainEvent[]> {
    const now = this.clock.now();
    const events: DomainEvent[] = [];
    for (const finding of findings) {
      const anomalyId = randomUUID();
      const event = createEvent(
        'AnomalyDetected',
        {
          anomalyId,
          rule: finding.rule,
          score: finding.score,
          reason: finding.reason.slice(0, MAX_REASON_LENGTH),
          subject: finding.subject,
          team: finding.team,
          resource: finding.resource,
          relatedIds: finding.relatedIds,
          ledgerSeq: entry.seq,
          detectedAt: now.toISOString(),
        },
        {
          source: 'ledger',
          time: now,
          partitionKey: finding.relatedIds[0]!,
          correlationId: entry.event.correlationId,
          causationId: entry.event.id,
        },
      );
      const claimed = await this.facts.claimAnomaly(db, {
        rule: finding.rule,
        seq: entry.seq,
        anomalyId,
        eventId: event.id,
        detectedAt: event.data.detectedAt,
      });
      if (claimed) events.push(event);
    }
    return events;
  }

  private logFound(anomalies: readonly DomainEvent[]): void {
    for (const anomaly of anomalies) {
      if (anomaly.type !== 'AnomalyDetected') continue;
      this.logger.log({
        msg: 'anomaly detected',
        rule: anomaly.data.rule,
        score: anomaly.data.score,
        subject: anomaly.data.subject,
        ledgerSeq: anomaly.data.ledgerSeq,
        anomalyId: anomaly.data.anomalyId,
        relatedId: anomaly.partitionKey,
      });
    }
  }
}

function present(...findings: (Finding | null)[]): Finding[] {
  return findings.filter((finding): finding is Finding => finding !== null);
}
