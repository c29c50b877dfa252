import {
  createEvent,
  DomainEvent,
  EventPayloads,
  EventType,
  OptOutKind,
  RefusalReason,
} from '@app/contracts';
import { PUBLISHER_OF } from '@app/contracts/testing';
import { SeededRandom } from './seeded-random';

export interface LedgerHistoryOptions {
  seed: number;
  /** The instant the history starts at. */
  startAt: string;
  subjects: number;
  resources: number;
  approvers: number;
  /** Mean time between two people asking for something. */
  meanArrivalMinutes: number;
}

export const DEFAULT_HISTORY: LedgerHistoryOptions = {
  seed: 20261203,
  startAt: '2026-01-05T08:00:00.000Z',
  subjects: 4000,
  resources: 400,
  approvers: 120,
  meanArrivalMinutes: 3,
};

interface AccessTarget {
  subject: string;
  groups: string[];
  resource: string;
  role: string;
}

interface ScheduledStep {
  at: number;
  order: number;
  run: () => void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ROLES = ['read-only', 'read-only', 'read-only', 'db-admin', 'operator'] as const;
const TEAMS = ['engineering', 'sre', 'data', 'payments', 'support'] as const;
const REFUSALS: RefusalReason[] = [
  'no-matching-policy',
  'not-eligible',
  'duration-exceeds-maximum',
  'start-in-the-past',
];
const RECENT_ACCESS = 256;

/**
 * A history of the access lifecycle as the five services would write it, in the order the ledger
 * would record it: requests filed, refused, approved by one or two people, denied or left to
 * expire; grants issued and expired, overlapping the same access often enough that many expiries
 * name covering grants and revoke nothing; break-glass, standing exceptions and legacy exemptions
 * activated, used, renewed, revoked, lapsed and expired, with reviews (some late, with the
 * suspension that follows); and a few anomalies, notices and dead letters. Future steps wait in a
 * time-ordered queue, so events of different cases interleave as they would.
 */
export class LedgerHistoryGenerator {
  private readonly random: SeededRandom;
  private readonly queue: ScheduledStep[] = [];
  private readonly ready: DomainEvent[] = [];
  /** Grants and opt-outs giving each access (subject, resource, role) right now. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly recent: AccessTarget[] = [];
  private readonly recentCases: string[] = [];
  private now: number;
  private order = 0;

  constructor(private readonly options: LedgerHistoryOptions = DEFAULT_HISTORY) {
    this.random = new SeededRandom(options.seed);
    this.now = Date.parse(options.startAt);
  }

  /** The next `count` events of the history. */
  next(count: number): DomainEvent[] {
    while (this.ready.length < count) this.advance();
    return this.ready.splice(0, count);
  }

  /** The instant of the latest event generated so far. */
  get clock(): Date {
    return new Date(this.now);
  }

  private advance(): void {
    const arrival = this.now + this.random.exponential(this.options.meanArrivalMinutes * MINUTE);
    for (let step = this.peek(); step && step.at <= arrival; step = this.peek()) {
      this.pop();
      this.now = Math.max(this.now, step.at);
      step.run();
    }
    this.now = arrival;
    this.startCase();
  }

  private startCase(): void {
    const draw = this.random.next();
    if (draw < 0.84) this.jitRequest();
    else if (draw < 0.985) this.optOut();
    else this.sideNote();
  }

  private jitRequest(): void {
    const requestId = this.random.uuid();
    const target = this.random.chance(0.18) ? this.heldAccess() : this.freshAccess();
    const minutes = this.random.pick([15, 30, 60, 60, 120, 240, 480]);
    const requester = { id: target.subject, groups: target.groups };
    const access = { resource: target.resource, role: target.role };
    const duration = `PT${minutes}M`;
    const justification = `Investigate ${this.ticket()} on ${target.resource}`;
    const ticket = this.random.chance(0.7) ? this.ticket() : null;
    const requestedAt = this.now;
    this.emit('AccessRequested', requestId, requestedAt, {
      requestId,
      requester,
      ...access,
      duration,
      justification,
      ticket,
      startAt: null,
      channel: this.random.chance(0.2) ? 'ticketing' : 'http',
      submittedAt: iso(requestedAt),
    });

    const outcome = this.random.next();
    if (outcome < 0.04) {
      this.emit('AccessRequestRefused', requestId, requestedAt + 40, {
        requestId,
        requester,
        ...access,
        duration,
        reason: this.random.pick(REFUSALS),
        message: `refused: ${duration} for ${target.role} on ${target.resource}`,
        maximumDuration: 'PT8H',
        policyId: null,
      });
      return;
    }
    const policyId = `policy-${this.resourceIndex(target.resource) % 17}`;
    if (outcome < 0.16) {
      this.emit('RequestApproved', requestId, requestedAt + 60, {
        requestId,
        approvers: [],
        automatic: true,
        policyId,
        approvedAt: iso(requestedAt + 60),
      });
      this.issueGrant(requestId, target, requestedAt + 80, minutes, [], true, policyId);
      return;
    }

    const approvalsRequired = this.random.chance(0.2) ? 2 : 1;
    const decideBy = requestedAt + DAY;
    this.emit('ApprovalRequested', requestId, requestedAt + 50, {
      requestId,
      requester,
      ...access,
      duration,
      justification,
      ticket,
      approverGroups: ['dba', 'security-leads'],
      approvalsRequired,
      decideBy: iso(decideBy),
      policyId,
    });
    if (outcome < 0.2) {
      this.schedule(decideBy, () => {
        this.emit('RequestDeadlinePassed', requestId, decideBy, {
          requestId,
          decideBy: iso(decideBy),
        });
        this.emit('RequestExpired', requestId, decideBy + 250, {
          requestId,
          decideBy: iso(decideBy),
          expiredAt: iso(decideBy + 250),
        });
      });
      return;
    }
    const decidedAt = requestedAt + this.random.exponential(20 * MINUTE) + 30_000;
    if (outcome < 0.27) {
      this.schedule(decidedAt, () =>
        this.emit('RequestDenied', requestId, decidedAt, {
          requestId,
          deniedBy: this.approver(),
          comment: 'Use the read replica instead',
          deniedAt: iso(decidedAt),
        }),
      );
      return;
    }
    this.schedule(decidedAt, () => {
      const approvers = this.approvers(approvalsRequired);
      approvers.forEach((approver, index) => {
        this.emit('ApprovalRecorded', requestId, decidedAt + index * MINUTE, {
          requestId,
          approver,
          comment: index === 0 ? null : 'ok',
          approvalsCount: index + 1,
          approvalsRequired,
          recordedAt: iso(decidedAt + index * MINUTE),
        });
      });
      const approvedAt = decidedAt + (approvers.length - 1) * MINUTE + 100;
      this.emit('RequestApproved', requestId, approvedAt, {
        requestId,
        approvers,
        automatic: false,
        policyId,
        approvedAt: iso(approvedAt),
      });
      this.issueGrant(requestId, target, approvedAt + 20, minutes, approvers, false, policyId);
    });
  }

  private issueGrant(
    requestId: string,
    target: AccessTarget,
    startsAt: number,
    minutes: number,
    approvers: string[],
    automatic: boolean,
    policyId: string,
  ): void {
    const grantId = this.random.uuid();
    const capped = minutes > 240 && this.random.chance(0.3);
    const granted = capped ? 240 : minutes;
    const endsAt = startsAt + granted * MINUTE;
    const access = { subject: target.subject, resource: target.resource, role: target.role };
    this.emit('GrantIssued', requestId, startsAt, {
      grantId,
      requestId,
      ...access,
      startsAt: iso(startsAt),
      endsAt: iso(endsAt),
      duration: `PT${granted}M`,
      requestedDuration: `PT${minutes}M`,
      capped,
      approvers,
      automatic,
      policyId,
    });
    this.hold(target, grantId);

    this.schedule(endsAt, () => {
      const covering = this.release(target, grantId);
      this.emit('GrantExpired', requestId, endsAt, {
        grantId,
        requestId,
        ...access,
        endedAt: iso(endsAt),
        coveringGrantIds: covering,
      });
      if (covering.length === 0) {
        this.emit('AccessRevoked', requestId, endsAt + 30, {
          ...access,
          lastGrantId: grantId,
          requestId,
          revokedAt: iso(endsAt + 30),
          reason: 'expired',
        });
      }
    });
  }

  private optOut(): void {
    const draw = this.random.next();
    const kind: OptOutKind =
      draw < 0.55 ? 'break-glass' : draw < 0.85 ? 'standing-exception' : 'legacy-exemption';
    const optOutId = this.random.uuid();
    const target = this.random.chance(0.3) ? this.heldAccess() : this.freshAccess();
    const plan = OPT_OUT_PLANS[kind];
    const minutes = plan.minutes(this.random);
    const requestedAt = this.now;
    const owner = kind === 'legacy-exemption' ? this.approver() : null;
    const incident = kind === 'break-glass' ? this.ticket() : null;
    const ticket = kind === 'standing-exception' ? this.ticket() : null;
    const compensatingControls =
      kind === 'legacy-exemption' ? ['session recording', 'weekly access review'] : [];
    const justification = `${kind} for ${incident ?? ticket ?? 'the legacy system'}`;
    const approval =
      kind === 'break-glass' ? null : { approverGroups: ['security-leads'], approvalsRequired: 1 };
    this.emit('OptOutRequested', optOutId, requestedAt, {
      optOutId,
      kind,
      requester: {
        id: target.subject,
        groups: target.groups,
        attributes: { onCall: this.random.chance(0.6) },
      },
      resource: target.resource,
      role: target.role,
      duration: `PT${minutes}M`,
      justification,
      incident,
      ticket,
      owner,
      compensatingControls,
      ruleId: plan.ruleId,
      maximumDuration: plan.maximum,
      approval,
      requestedAt: iso(requestedAt),
    });

    if (this.random.chance(0.1)) {
      this.emit('OptOutRefused', optOutId, requestedAt + 40, {
        optOutId,
        kind,
        requester: { id: target.subject, groups: target.groups },
        resource: target.resource,
        role: target.role,
        duration: `PT${minutes}M`,
        reason: 'not-eligible',
        rule: `${plan.ruleId}.eligible`,
        message: `${target.subject} may not open a ${kind} on ${target.resource}`,
        maximumDuration: plan.maximum,
        refusedAt: iso(requestedAt + 40),
      });
      return;
    }

    const approvedAt =
      approval === null ? requestedAt : requestedAt + this.random.exponential(HOUR) + MINUTE;
    const activate = () => {
      const approvers = approval === null ? [] : [this.approver()];
      if (approval !== null) {
        this.emit('OptOutApprovalRecorded', optOutId, approvedAt, {
          optOutId,
          approver: approvers[0]!,
          comment: null,
          approvalsCount: 1,
          approvalsRequired: 1,
          recordedAt: iso(approvedAt),
        });
      }
      this.activateOptOut(optOutId, kind, target, approvedAt + 50, minutes, approvers, {
        justification,
        incident,
        ticket,
        owner,
        compensatingControls,
      });
    };
    if (approval === null) activate();
    else this.schedule(approvedAt, activate);
  }

  private activateOptOut(
    optOutId: string,
    kind: OptOutKind,
    target: AccessTarget,
    startsAt: number,
    minutes: number,
    approvers: string[],
    request: {
      justification: string;
      incident: string | null;
      ticket: string | null;
      owner: string | null;
      compensatingControls: string[];
    },
  ): void {
    const plan = OPT_OUT_PLANS[kind];
    const access = { optOutId, kind, subject: target.subject, resource: target.resource };
    const role = target.role;
    let endsAt = startsAt + minutes * MINUTE;
    const reviewBy = kind === 'break-glass' ? endsAt + 2 * DAY : null;
    const recertifyBy = kind === 'legacy-exemption' ? endsAt - 14 * DAY : null;
    this.emit('OptOutActivated', optOutId, startsAt, {
      ...access,
      role,
      startsAt: iso(startsAt),
      endsAt: iso(endsAt),
      duration: `PT${minutes}M`,
      ruleId: plan.ruleId,
      justification: request.justification,
      approvers,
      incident: request.incident,
      ticket: request.ticket,
      owner: request.owner,
      compensatingControls: request.compensatingControls,
      reviewBy: reviewBy === null ? null : iso(reviewBy),
      lapseAfterUnused: kind === 'standing-exception' ? 'P7D' : null,
      recertifyBy: recertifyBy === null ? null : iso(recertifyBy),
      activatedAt: iso(startsAt),
    });
    this.hold(target, optOutId);

    const unused = kind === 'standing-exception' && this.random.chance(0.25);
    if (kind === 'standing-exception' && !unused) {
      const uses = this.random.between(1, 6);
      for (let use = 1; use <= uses; use += 1) {
        const usedAt = startsAt + (use * (endsAt - startsAt)) / (uses + 2);
        this.schedule(usedAt, () =>
          this.emit('OptOutUsed', optOutId, usedAt, {
            optOutId,
            reportedBy: 'pam-gateway',
            usedAt: iso(usedAt),
          }),
        );
      }
    }
    if (recertifyBy !== null) {
      const owner = request.owner ?? this.approver();
      const dueEndsAt = endsAt;
      this.schedule(recertifyBy, () =>
        this.emit('LegacyExemptionRecertificationDue', optOutId, recertifyBy, {
          ...access,
          role,
          owner,
          endsAt: iso(dueEndsAt),
          dueAt: iso(recertifyBy),
        }),
      );
    }
    if (kind !== 'break-glass' && !unused && this.random.chance(plan.renewal)) {
      const renewedAt = endsAt - (kind === 'legacy-exemption' ? 7 * DAY : DAY);
      const previousEndsAt = endsAt;
      endsAt = previousEndsAt + minutes * MINUTE;
      const renewedEndsAt = endsAt;
      this.schedule(renewedAt, () =>
        this.emit('OptOutRenewed', optOutId, renewedAt, {
          ...access,
          role,
          renewedBy:
            kind === 'legacy-exemption' ? (request.owner ?? target.subject) : target.subject,
          attestation: 'Still needed for the same change; reviewed the controls',
          previousEndsAt: iso(previousEndsAt),
          endsAt: iso(renewedEndsAt),
          duration: `PT${minutes}M`,
          recertifyBy: kind === 'legacy-exemption' ? iso(renewedEndsAt - 14 * DAY) : null,
          renewedAt: iso(renewedAt),
        }),
      );
    }

    if (unused && startsAt + 7 * DAY < endsAt) {
      const lapsedAt = startsAt + 7 * DAY;
      this.schedule(lapsedAt, () => {
        this.emit('OptOutDeadlinePassed', optOutId, lapsedAt, {
          optOutId,
          deadline: 'unused-lapse',
          dueAt: iso(lapsedAt),
        });
        this.emit('OptOutLapsed', optOutId, lapsedAt + 100, {
          ...access,
          role,
          uses: 0,
          lastUsedAt: null,
          unusedFor: 'P7D',
          lapsedAt: iso(lapsedAt + 100),
        });
        this.endAccess(target, optOutId, lapsedAt + 150, 'lapsed');
      });
    } else if (this.random.chance(plan.revocation)) {
      const revokedAt = startsAt + this.random.next() * (endsAt - startsAt);
      this.schedule(revokedAt, () => {
        this.emit('OptOutRevoked', optOutId, revokedAt, {
          ...access,
          role,
          revokedBy: this.approver(),
          reason: 'The incident is closed',
          revokedAt: iso(revokedAt),
        });
        this.endAccess(target, optOutId, revokedAt + 50, 'revoked');
      });
    } else {
      const endedAt = endsAt;
      this.schedule(endedAt, () => {
        const covering = [...(this.holders.get(accessKey(target)) ?? [])].filter(
          (id) => id !== optOutId,
        );
        this.emit('OptOutExpired', optOutId, endedAt, {
          ...access,
          role,
          endedAt: iso(endedAt),
          coveringGrantIds: covering,
        });
        this.endAccess(target, optOutId, endedAt + 30, 'expired');
      });
    }
    if (reviewBy !== null) this.scheduleReview(optOutId, target, endsAt, reviewBy, request);
  }

  private scheduleReview(
    optOutId: string,
    target: AccessTarget,
    endsAt: number,
    reviewBy: number,
    request: { incident: string | null },
  ): void {
    const subject = target.subject;
    const review = (reviewedAt: number, late: boolean) =>
      this.emit('BreakGlassReviewed', optOutId, reviewedAt, {
        optOutId,
        subject,
        reviewer: this.approver(),
        outcome: this.random.chance(0.9) ? 'justified' : 'unjustified',
        notes: `Reviewed ${request.incident ?? 'the incident'}: access matched the runbook`,
        late,
        reviewedAt: iso(reviewedAt),
      });
    if (this.random.chance(0.85)) {
      const reviewedAt = endsAt + this.random.next() * (reviewBy - endsAt);
      this.schedule(reviewedAt, () => review(reviewedAt, false));
      return;
    }
    this.schedule(reviewBy, () => {
      this.emit('OptOutDeadlinePassed', optOutId, reviewBy, {
        optOutId,
        deadline: 'review',
        dueAt: iso(reviewBy),
      });
      this.emit('BreakGlassReviewOverdue', optOutId, reviewBy + 100, {
        optOutId,
        subject,
        resource: target.resource,
        role: target.role,
        incident: request.incident,
        reviewBy: iso(reviewBy),
        overdueAt: iso(reviewBy + 100),
      });
      this.emit('BreakGlassEligibilitySuspended', optOutId, reviewBy + 200, {
        optOutId,
        subject,
        suspendedAt: iso(reviewBy + 200),
      });
    });
    const lateAt = reviewBy + this.random.exponential(DAY) + HOUR;
    this.schedule(lateAt, () => {
      review(lateAt, true);
      this.emit('BreakGlassEligibilityRestored', optOutId, lateAt + 100, {
        optOutId,
        subject,
        restoredAt: iso(lateAt + 100),
      });
    });
  }

  /** Ends an opt-out's access; revokes it only when nothing else still gives it. */
  private endAccess(
    target: AccessTarget,
    optOutId: string,
    at: number,
    reason: 'expired' | 'revoked' | 'lapsed',
  ): void {
    const covering = this.release(target, optOutId);
    if (covering.length > 0) return;
    this.emit('AccessRevoked', optOutId, at, {
      subject: target.subject,
      resource: target.resource,
      role: target.role,
      lastGrantId: optOutId,
      requestId: optOutId,
      revokedAt: iso(at),
      reason,
    });
  }

  private sideNote(): void {
    const draw = this.random.next();
    const concern = this.recentCases[this.random.below(this.recentCases.length)];
    if (draw < 0.4 && concern !== undefined) {
      const rule = this.random.pick(['approval-too-fast', 'first-access-to-resource'] as const);
      this.emit('AnomalyDetected', concern, this.now, {
        anomalyId: this.random.uuid(),
        rule,
        score: 0.5,
        reason: `${rule} on a recent case`,
        subject: this.subject(),
        team: null,
        resource: null,
        relatedIds: [concern],
        ledgerSeq: 1 + this.random.below(1000),
        detectedAt: iso(this.now),
      });
      return;
    }
    if (draw < 0.7) {
      const eventId = this.random.uuid();
      this.emit('NoticeAcknowledged', eventId, this.now, {
        noticeId: this.random.uuid(),
        eventId,
        eventType: 'OptOutActivated',
        acknowledgedBy: this.approver(),
        acknowledgedAt: iso(this.now),
      });
      return;
    }
    const partition = this.random.below(6);
    this.emit('RecordDeadLettered', `jit.access.events.v1:${partition}`, this.now, {
      consumerGroup: 'jit-approvals',
      sourceTopic: 'jit.access.events.v1',
      partition,
      offset: String(this.random.below(1_000_000)),
      key: null,
      value: '{"not":"an event"}',
      valueEncoding: 'utf8',
      reason: 'schema-violation',
      error: 'type: Invalid input',
      deadLetteredAt: iso(this.now),
    });
  }

  private emit<K extends EventType>(
    type: K,
    partitionKey: string,
    at: number,
    data: EventPayloads[K],
  ): void {
    const event = createEvent(
      type,
      data,
      {
        source: PUBLISHER_OF[type],
        time: new Date(Math.round(at)),
        partitionKey,
        correlationId: partitionKey,
        causationId: null,
      },
      this.random.uuid(),
    ) as DomainEvent;
    this.ready.push(event);
    if (type === 'AccessRequested' || type === 'OptOutRequested') this.noteCase(partitionKey);
  }

  private noteCase(id: string): void {
    this.recentCases.push(id);
    if (this.recentCases.length > RECENT_ACCESS) this.recentCases.shift();
  }

  private hold(target: AccessTarget, id: string): void {
    const key = accessKey(target);
    const held = this.holders.get(key) ?? new Set<string>();
    held.add(id);
    this.holders.set(key, held);
    this.recent.push(target);
    if (this.recent.length > RECENT_ACCESS) this.recent.shift();
  }

  /** Ends one holder of an access and returns the others that still give it. */
  private release(target: AccessTarget, id: string): string[] {
    const key = accessKey(target);
    const held = this.holders.get(key);
    if (!held) return [];
    held.delete(id);
    if (held.size === 0) this.holders.delete(key);
    return [...held];
  }

  /** Access someone held recently, asked for again: the source of overlapping grants. */
  private heldAccess(): AccessTarget {
    const recent = this.recent[this.recent.length - 1 - this.random.below(this.recent.length)];
    return recent ?? this.freshAccess();
  }

  private freshAccess(): AccessTarget {
    const subjectIndex = this.random.below(this.options.subjects);
    return {
      subject: subjectName(subjectIndex),
      groups: [TEAMS[subjectIndex % TEAMS.length]!],
      resource: this.resource(),
      role: this.random.pick(ROLES),
    };
  }

  private resource(): string {
    const index = this.random.skewedIndex(this.options.resources);
    return resourceName(index);
  }

  private resourceIndex(resource: string): number {
    return Number(resource.slice(resource.lastIndexOf('-') + 1));
  }

  private subject(): string {
    return subjectName(this.random.below(this.options.subjects));
  }

  private approver(): string {
    return `u-a${this.random.below(this.options.approvers)}`;
  }

  private approvers(count: number): string[] {
    const first = this.approver();
    if (count === 1) return [first];
    let second = this.approver();
    while (second === first) second = this.approver();
    return [first, second];
  }

  private ticket(): string {
    return `INC-${10000 + this.random.below(90000)}`;
  }

  private schedule(at: number, run: () => void): void {
    const step = { at, order: this.order++, run };
    const queue = this.queue;
    queue.push(step);
    for (let index = queue.length - 1; index > 0;) {
      const parent = (index - 1) >> 1;
      if (!before(queue[index]!, queue[parent]!)) break;
      [queue[index], queue[parent]] = [queue[parent]!, queue[index]!];
      index = parent;
    }
  }

  private peek(): ScheduledStep | undefined {
    return this.queue[0];
  }

  private pop(): void {
    const queue = this.queue;
    const last = queue.pop();
    if (last === undefined || queue.length === 0) return;
    queue[0] = last;
    for (let index = 0; ;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < queue.length && before(queue[left]!, queue[smallest]!)) smallest = left;
      if (right < queue.length && before(queue[right]!, queue[smallest]!)) smallest = right;
      if (smallest === index) break;
      [queue[index], queue[smallest]] = [queue[smallest]!, queue[index]!];
      index = smallest;
    }
  }
}

const OPT_OUT_PLANS: Record<
  OptOutKind,
  {
    ruleId: string;
    maximum: string;
    minutes: (random: SeededRandom) => number;
    renewal: number;
    revocation: number;
  }
> = {
  'break-glass': {
    ruleId: 'prod-break-glass',
    maximum: 'PT4H',
    minutes: (random) => random.pick([30, 60, 120, 240]),
    renewal: 0,
    revocation: 0.2,
  },
  'standing-exception': {
    ruleId: 'debug-standing',
    maximum: 'P30D',
    minutes: (random) => random.pick([7, 14, 30]) * 24 * 60,
    renewal: 0.3,
    revocation: 0.1,
  },
  'legacy-exemption': {
    ruleId: 'mainframe-legacy',
    maximum: 'P90D',
    minutes: () => 90 * 24 * 60,
    renewal: 0.6,
    revocation: 0.1,
  },
};

export function subjectName(index: number): string {
  return `u-${1000 + index}`;
}

/** Resource names by popularity rank: rank 0 is asked for most. */
export function resourceName(index: number): string {
  const family = ['db', 'db', 'console', 'app'][index % 4]!;
  return `${family}:system-${index}`;
}

function accessKey(target: AccessTarget): string {
  return `${target.subject}\n${target.resource}\n${target.role}`;
}

function before(a: ScheduledStep, b: ScheduledStep): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

function iso(at: number): string {
  return new Date(Math.round(at)).toISOString();
}
