import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import { sleep } from './bench-env';

/** What arrived for one grant: the ids of its end events, and when its revocation arrived. */
export interface GrantArrivals {
  expiredEventIds: string[];
  revokedEventIds: string[];
  /** When the first AccessRevoked for it was handed to this consumer (ms since the epoch). */
  revokedArrivedAt: number | null;
  /** The end instant the events carry (ms since the epoch). */
  endedAtMs: number;
}

interface EndEvent {
  id: string;
  type: string;
  data: {
    grantId?: string;
    lastGrantId?: string;
    endedAt?: string;
    revokedAt?: string;
  };
}

/**
 * Reads the prefixed access-events topic as any downstream service would and notes, per grant,
 * each GrantExpired and AccessRevoked and when it arrived here: the time a user would see the
 * revocation, outbox relay and broker included. Arrival is stamped once per fetched batch.
 */
export class ExpiryEventWatch {
  private readonly byGrant = new Map<string, GrantArrivals>();
  private consumer: Consumer | null = null;
  readonly groupId = `bench-expiry-watch-${randomUUID()}`;
  received = 0;

  constructor(private readonly kafka: Kafka) {}

  async start(topic: string): Promise<void> {
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: 100,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 12,
      eachBatch: ({ batch }) => {
        const arrivedAt = Date.now();
        for (const message of batch.messages) {
          if (message.value) this.note(JSON.parse(message.value.toString('utf8')), arrivedAt);
        }
        return Promise.resolve();
      },
    });
  }

  get(grantId: string): GrantArrivals | undefined {
    return this.byGrant.get(grantId);
  }

  /** Waits until every grant has its AccessRevoked; returns the ids still missing at timeout. */
  async waitForRevocations(grantIds: readonly string[], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let missing = [...grantIds];
    while (Date.now() < deadline) {
      missing = missing.filter((id) => this.byGrant.get(id)?.revokedArrivedAt == null);
      if (missing.length === 0) return [];
      await sleep(50);
    }
    return missing;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private note(event: EndEvent, arrivedAt: number): void {
    if (event.type === 'GrantExpired' && event.data.grantId && event.data.endedAt) {
      this.arrivalsOf(event.data.grantId, event.data.endedAt).expiredEventIds.push(event.id);
    } else if (event.type === 'AccessRevoked' && event.data.lastGrantId && event.data.revokedAt) {
      const arrivals = this.arrivalsOf(event.data.lastGrantId, event.data.revokedAt);
      arrivals.revokedEventIds.push(event.id);
      arrivals.revokedArrivedAt ??= arrivedAt;
    } else {
      return;
    }
    this.received += 1;
  }

  private arrivalsOf(grantId: string, endedAt: string): GrantArrivals {
    let arrivals = this.byGrant.get(grantId);
    if (!arrivals) {
      arrivals = {
        expiredEventIds: [],
        revokedEventIds: [],
        revokedArrivedAt: null,
        endedAtMs: Date.parse(endedAt),
      };
      this.byGrant.set(grantId, arrivals);
    }
    return arrivals;
  }
}

export interface ExactlyOnce {
  grants: number;
  missing: number;
  /** Grants with two different GrantExpired or AccessRevoked events: fired twice. */
  firedTwice: number;
  /** The same event id seen twice: the relay published it again (at least once, by design). */
  republished: number;
}

export function checkExactlyOnce(
  watch: ExpiryEventWatch,
  grantIds: readonly string[],
): ExactlyOnce {
  let missing = 0;
  let firedTwice = 0;
  let republished = 0;
  for (const id of grantIds) {
    const arrivals = watch.get(id);
    if (
      !arrivals ||
      arrivals.expiredEventIds.length === 0 ||
      arrivals.revokedEventIds.length === 0
    ) {
      missing += 1;
      continue;
    }
    const expired = new Set(arrivals.expiredEventIds);
    const revoked = new Set(arrivals.revokedEventIds);
    if (expired.size > 1 || revoked.size > 1) firedTwice += 1;
    if (
      expired.size < arrivals.expiredEventIds.length ||
      revoked.size < arrivals.revokedEventIds.length
    ) {
      republished += 1;
    }
  }
  return { grants: grantIds.length, missing, firedTwice, republished };
}
