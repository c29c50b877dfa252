import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { v5 as uuidV5 } from 'uuid';
import { EntityManager } from 'typeorm';
import { EventOrigin, OptOutKind, Principal } from '@app/contracts';
import {
  CLOCK,
  Clock,
  evaluateOptOut,
  OptOutRequestInput,
  OptOutState,
  parseDuration,
  PolicySet,
  requestOptOut,
} from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import { POLICIES } from './approvals.constants';
import { toEnvelopes } from './opt-out-events';
import { OptOutRepository } from './opt-out.repository';
import { IdempotencyKeyReusedError, InvalidDurationError } from './opt-out.errors';

// Fixed for good: changing it would give a retried opt-out a new id and a second opt-out.
const IDEMPOTENCY_KEY_NAMESPACE = '4d7c1e0a-58b2-4f3e-9a6d-2c8b1f0e7a95';

/** What a person asks for; the kind decides which of the references must be there. */
export interface OptOutAsk {
  kind: OptOutKind;
  resource: string;
  role: string;
  duration: string;
  justification: string;
  incident: string | null;
  ticket: string | null;
  owner: string | null;
  compensatingControls: string[];
}

export type OptOutRequestOutcome = 'refused' | 'pending' | 'active' | 'replayed';

export interface OptOutRequestResult {
  outcome: OptOutRequestOutcome;
  state: OptOutState;
}

/**
 * Asks for an opt-out: checks eligibility under the policies and records the request with its
 * outcome in one transaction, refusals included. A break-glass locks the person's eligibility
 * row first, so an overdue review that suspends them cannot slip in between check and activation.
 */
@Injectable()
export class OptOutRequestService {
  private readonly logger = new Logger(OptOutRequestService.name);

  constructor(
    @Inject(POLICIES) private readonly policies: PolicySet,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: TransactionalOutbox,
    private readonly repository: OptOutRepository,
  ) {}

  async request(
    ask: OptOutAsk,
    requester: Principal,
    idempotencyKey: string | null,
  ): Promise<OptOutRequestResult> {
    const durationMs = this.readDuration(ask.duration);
    const optOutId = optOutIdFor(requester.id, ask.kind, idempotencyKey);

    const result = await this.outbox.transaction(async (manager, emit) => {
      const existing = await this.repository.find(manager, optOutId);
      if (existing !== null) {
        return this.replay(existing, ask);
      }
      return this.record(manager, emit, { ...ask, optOutId, requester, durationMs });
    });

    this.logger.log({
      msg: 'opt-out requested',
      optOutId,
      kind: ask.kind,
      requesterId: requester.id,
      resource: ask.resource,
      role: ask.role,
      duration: ask.duration,
      outcome: result.outcome,
      ruleId: result.state.ruleId,
      reason: result.state.refusal?.reason,
      refusedBy: result.state.refusal?.rule,
    });
    return result;
  }

  private async record(
    manager: EntityManager,
    emit: Emit,
    ask: OptOutAsk & { optOutId: string; requester: Principal; durationMs: number },
  ): Promise<OptOutRequestResult> {
    const now = this.clock.now();
    const suspended =
      ask.kind === 'break-glass' &&
      (await this.repository.lockSuspension(manager, ask.requester.id)).suspendedAt !== null;

    const eligibility = evaluateOptOut(this.policies, { ...ask, suspended, now });
    const request: OptOutRequestInput = { ...ask, correlationId: ask.optOutId, now };
    const { state, events } = requestOptOut(request, eligibility);

    // A concurrent retry under the same key stored it first; its answer stands.
    if (!(await this.repository.insert(manager, state, now))) {
      const stored = await this.repository.find(manager, ask.optOutId);
      return this.replay(stored ?? state, ask);
    }
    await emit(toEnvelopes(events, originOf(state, now)));
    return { outcome: outcomeOf(state), state };
  }

  private replay(existing: OptOutState, ask: OptOutAsk): OptOutRequestResult {
    const differences = differencesFrom(existing, ask);
    if (differences.length > 0) {
      throw new IdempotencyKeyReusedError(existing.optOutId, differences);
    }
    return { outcome: existing.status === 'refused' ? 'refused' : 'replayed', state: existing };
  }

  private readDuration(duration: string): number {
    const parsed = parseDuration(duration);
    if (!parsed.ok) {
      throw new InvalidDurationError(parsed.error.message);
    }
    return parsed.value.milliseconds;
  }
}

/** From the requester, kind and Idempotency-Key when one is sent, so a retry names the same. */
export function optOutIdFor(
  requesterId: string,
  kind: OptOutKind,
  idempotencyKey: string | null,
): string {
  if (idempotencyKey === null) {
    return randomUUID();
  }
  return uuidV5(JSON.stringify([requesterId, kind, idempotencyKey]), IDEMPOTENCY_KEY_NAMESPACE);
}

export function originOf(
  state: OptOutState,
  now: Date,
  causationId: string | null = null,
): EventOrigin {
  return {
    source: 'approvals',
    time: now,
    partitionKey: state.optOutId,
    correlationId: state.correlationId,
    causationId,
  };
}

function outcomeOf(state: OptOutState): OptOutRequestOutcome {
  switch (state.status) {
    case 'refused':
      return 'refused';
    case 'active':
      return 'active';
    default:
      return 'pending';
  }
}

function differencesFrom(existing: OptOutState, ask: OptOutAsk): string[] {
  const asked: Record<string, unknown> = {
    resource: ask.resource,
    role: ask.role,
    duration: ask.duration,
    justification: ask.justification,
    incident: ask.incident,
    ticket: ask.ticket,
    owner: ask.owner,
    compensatingControls: ask.compensatingControls,
  };
  const stored: Record<string, unknown> = {
    resource: existing.resource,
    role: existing.role,
    duration: existing.requestedDuration,
    justification: existing.justification,
    incident: existing.incident,
    ticket: existing.ticket,
    owner: existing.owner,
    compensatingControls: existing.compensatingControls,
  };
  return Object.keys(asked).filter(
    (field) => JSON.stringify(asked[field]) !== JSON.stringify(stored[field]),
  );
}
