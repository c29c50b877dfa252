import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DeliveryStep } from '../webhooks/retry-schedule';

export const DeliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DeliveryStatuses)[number];

/** `webhook`: the signed JSON form; `chat`: a chat tool's incoming message; `email`: over SMTP. */
export const DeliveryChannels = ['webhook', 'chat', 'email'] as const;
export type DeliveryChannel = (typeof DeliveryChannels)[number];

export interface NewDelivery {
  id: string;
  eventId: string;
  eventType: string;
  endpointName: string;
  channel: DeliveryChannel;
  /** The opt-out notice this delivery carries; null for a JIT webhook. */
  noticeId: string | null;
  url: string;
  body: string;
  createdAt: Date;
}

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  endpointName: string;
  channel: DeliveryChannel;
  noticeId: string | null;
  url: string;
  body: string;
  /** Attempts made before this claim. */
  attempts: number;
}

export interface AttemptRecord {
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  endpointName: string;
  channel: DeliveryChannel;
  noticeId: string | null;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  lastStatusCode: number | null;
  createdAt: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  attemptLog: AttemptRecord[];
}

export interface DeliveryFilter {
  eventId?: string;
  noticeIds?: string[];
  status?: DeliveryStatus;
  limit: number;
}

/** The dispatcher's view of the deliveries: take the due ones, record what each attempt gave. */
export interface DeliveryQueue {
  /**
   * Takes up to `limit` pending deliveries due at `now` and leases them until `leaseUntil`, so
   * that no other dispatcher takes them meanwhile. A lease that runs out (the process died
   * mid-send) makes the delivery due again.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]>;
  /** Returns false when the delivery was no longer ours (its lease ran out and it moved on). */
  recordAttempt(
    delivery: ClaimedDelivery,
    attempt: AttemptRecord,
    step: DeliveryStep,
  ): Promise<boolean>;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_name: string;
  channel: DeliveryChannel;
  notice_id: string | null;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  last_status_code: number | null;
  created_at: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

@Injectable()
export class DeliveryRepository implements DeliveryQueue {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts inside the caller's transaction; an (event, endpoint) pair or a (notice, channel)
   * pair that exists is kept.
   */
  async insertPending(manager: EntityManager, deliveries: readonly NewDelivery[]): Promise<number> {
    let inserted = 0;
    for (const delivery of deliveries) {
      const rows = (await manager.query(
        `INSERT INTO notifications.deliveries
           (id, event_id, event_type, endpoint_name, channel, notice_id, url, body, status,
            attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)
         ON CONFLICT DO NOTHING
         RETURNING id`,
        [
          delivery.id,
          delivery.eventId,
          delivery.eventType,
          delivery.endpointName,
          delivery.channel,
          delivery.noticeId,
          delivery.url,
          delivery.body,
          delivery.createdAt,
        ],
      )) as unknown[];
      inserted += rows.length;
    }
    return inserted;
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    // One statement: the rows stay locked from the select to the lease, then the commit frees them.
    const result: unknown = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM notifications.deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE notifications.deliveries AS d SET next_attempt_at = $2
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.event_id, d.event_type, d.endpoint_name, d.channel, d.notice_id, d.url,
                 d.body, d.attempts`,
      [now, leaseUntil, limit],
    );
    return returnedRows<DeliveryRow>(result).map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.event_type,
      endpointName: row.endpoint_name,
      channel: row.channel,
      noticeId: row.notice_id,
      url: row.url,
      body: row.body,
      attempts: row.attempts,
    }));
  }

  async recordAttempt(
    delivery: ClaimedDelivery,
    attempt: AttemptRecord,
    step: DeliveryStep,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result: unknown = await manager.query(
        `UPDATE notifications.deliveries SET
           attempts = $3,
           status = $4,
           next_attempt_at = $5,
           last_error = $6,
           last_status_code = $7,
           delivered_at = CASE WHEN $4 = 'delivered' THEN $8::timestamptz END,
           failed_at = CASE WHEN $4 = 'failed' THEN $8::timestamptz END
         WHERE id = $1 AND status = 'pending' AND attempts = $2
         RETURNING id`,
        [
          delivery.id,
          delivery.attempts,
          attempt.attempt,
          step.status,
          step.status === 'pending' ? step.nextAttemptAt : null,
          attempt.error,
          attempt.statusCode,
          attempt.attemptedAt,
        ],
      );
      if (returnedRows(result).length === 0) return false;

      await manager.query(
        `INSERT INTO notifications.delivery_attempts
           (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          delivery.id,
          attempt.attempt,
          attempt.attemptedAt,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        ],
      );
      return true;
    });
  }

  async list(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, event_id, event_type, endpoint_name, channel, notice_id, url, status, attempts,
              next_attempt_at, last_error, last_status_code, created_at, delivered_at, failed_at
       FROM notifications.deliveries
       WHERE ($1::uuid IS NULL OR event_id = $1::uuid) AND ($2::text IS NULL OR status = $2::text)
         AND ($4::uuid[] IS NULL OR notice_id = ANY($4::uuid[]))
       ORDER BY created_at DESC, id
       LIMIT $3`,
      [filter.eventId ?? null, filter.status ?? null, filter.limit, filter.noticeIds ?? null],
    )) as DeliveryRow[];
    const attempts = await this.attemptsOf(rows.map((row) => row.id));

    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.event_type,
      endpointName: row.endpoint_name,
      channel: row.channel,
      noticeId: row.notice_id,
      url: row.url,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
      lastStatusCode: row.last_status_code,
      createdAt: row.created_at,
      deliveredAt: row.delivered_at,
      failedAt: row.failed_at,
      attemptLog: attempts.get(row.id) ?? [],
    }));
  }

  private async attemptsOf(deliveryIds: string[]): Promise<Map<string, AttemptRecord[]>> {
    const byDelivery = new Map<string, AttemptRecord[]>();
    if (deliveryIds.length === 0) return byDelivery;

    const rows = (await this.dataSource.query(
      `SELECT delivery_id, attempt, attempted_at, status_code, error, duration_ms
       FROM notifications.delivery_attempts
       WHERE delivery_id = ANY($1::uuid[])
       ORDER BY delivery_id, attempt`,
      [deliveryIds],
    )) as AttemptRow[];
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push({
        attempt: row.attempt,
        attemptedAt: row.attempted_at,
        statusCode: row.status_code,
        error: row.error,
        durationMs: row.duration_ms,
      });
      byDelivery.set(row.delivery_id, list);
    }
    return byDelivery;
  }
}

/** TypeORM answers an UPDATE or DELETE with [rows, affected count], and other statements with rows. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
