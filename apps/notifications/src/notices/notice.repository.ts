import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NoticeSeverity } from '@app/contracts';
import { NoticeContent } from './notice.builder';
import { AnomalyRecord, OptOutRecord } from './opt-out-history';

export interface NewNotice {
  id: string;
  eventId: string;
  eventType: string;
  partitionKey: string;
  correlationId: string;
  severity: NoticeSeverity;
  level: number;
  recipientId: string;
  personId: string | null;
  content: NoticeContent;
  createdAt: Date;
  /** When it escalates unless someone acknowledged the event; null for info. */
  acknowledgeBy: Date | null;
}

export interface NoticeRecord extends NewNotice {
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}

export interface NewEscalation {
  eventId: string;
  fromLevel: number;
  toLevel: number;
  noticeId: string;
  reason: 'unacknowledged' | 'delivery-failed';
  recipients: string[];
  escalatedAt: Date;
}

interface NoticeRow {
  id: string;
  event_id: string;
  event_type: string;
  partition_key: string;
  correlation_id: string;
  severity: NoticeSeverity;
  level: number;
  recipient_id: string;
  person_id: string | null;
  content: NoticeContent;
  created_at: Date;
  acknowledge_by: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

const NOTICE_COLUMNS = `n.id, n.event_id, n.event_type, n.partition_key, n.correlation_id, n.severity,
  n.level, n.recipient_id, n.person_id, n.content, n.created_at, n.acknowledge_by,
  n.acknowledged_at, n.acknowledged_by`;

@Injectable()
export class NoticeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts inside the caller's transaction; returns the notices that did not exist yet. */
  async insertNotices(manager: EntityManager, notices: readonly NewNotice[]): Promise<string[]> {
    const inserted: string[] = [];
    for (const notice of notices) {
      const rows = (await manager.query(
        `INSERT INTO notifications.notices
           (id, event_id, event_type, partition_key, correlation_id, severity, level,
            recipient_id, person_id, content, created_at, acknowledge_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (event_id, recipient_id) DO NOTHING
         RETURNING id`,
        [
          notice.id,
          notice.eventId,
          notice.eventType,
          notice.partitionKey,
          notice.correlationId,
          notice.severity,
          notice.level,
          notice.recipientId,
          notice.personId,
          JSON.stringify(notice.content),
          notice.createdAt,
          notice.acknowledgeBy,
        ],
      )) as { id: string }[];
      inserted.push(...rows.map((row) => row.id));
    }
    return inserted;
  }

  /** Claims the escalation of an event to a level; false when it was claimed already. */
  async claimEscalation(manager: EntityManager, escalation: NewEscalation): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO notifications.notice_escalations
         (event_id, to_level, from_level, notice_id, reason, recipients, escalated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (event_id, to_level) DO NOTHING
       RETURNING event_id`,
      [
        escalation.eventId,
        escalation.toLevel,
        escalation.fromLevel,
        escalation.noticeId,
        escalation.reason,
        escalation.recipients,
        escalation.escalatedAt,
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Notices, one per event and level, whose acknowledgement time passed with nobody having
   * acknowledged any notice of the event, and whose next level was not reached yet.
   */
  async findUnacknowledgedDue(now: Date, limit: number): Promise<NoticeRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (n.event_id, n.level) ${NOTICE_COLUMNS}
       FROM notifications.notices n
       WHERE n.acknowledge_by IS NOT NULL AND n.acknowledge_by <= $1
         AND NOT EXISTS (SELECT 1 FROM notifications.notices a
                         WHERE a.event_id = n.event_id AND a.acknowledged_at IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM notifications.notice_escalations e
                         WHERE e.event_id = n.event_id AND e.from_level = n.level)
       ORDER BY n.event_id, n.level, n.acknowledge_by
       LIMIT $2`,
      [now, limit],
    )) as NoticeRow[];
    return rows.map(toNoticeRecord);
  }

  /**
   * Notices that escalate (high or critical) with a delivery that failed for good, of events
   * nobody acknowledged, whose next level was not reached yet.
   */
  async findUndeliverable(limit: number): Promise<NoticeRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (n.event_id, n.level) ${NOTICE_COLUMNS}
       FROM notifications.notices n
       JOIN notifications.deliveries d ON d.notice_id = n.id AND d.status = 'failed'
       WHERE n.acknowledge_by IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM notifications.notices a
                         WHERE a.event_id = n.event_id AND a.acknowledged_at IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM notifications.notice_escalations e
                         WHERE e.event_id = n.event_id AND e.from_level = n.level)
       ORDER BY n.event_id, n.level
       LIMIT $1`,
      [limit],
    )) as NoticeRow[];
    return rows.map(toNoticeRecord);
  }

  async findNotice(id: string): Promise<NoticeRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${NOTICE_COLUMNS} FROM notifications.notices n WHERE n.id = $1`,
      [id],
    )) as NoticeRow[];
    return rows[0] ? toNoticeRecord(rows[0]) : null;
  }

  async listByEvent(eventId: string): Promise<NoticeRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${NOTICE_COLUMNS} FROM notifications.notices n
       WHERE n.event_id = $1 ORDER BY n.level, n.recipient_id`,
      [eventId],
    )) as NoticeRow[];
    return rows.map(toNoticeRecord);
  }

  async escalationsOf(eventId: string): Promise<NewEscalation[]> {
    const rows = (await this.dataSource.query(
      `SELECT event_id, from_level, to_level, notice_id, reason, recipients, escalated_at
       FROM notifications.notice_escalations WHERE event_id = $1 ORDER BY to_level`,
      [eventId],
    )) as {
      event_id: string;
      from_level: number;
      to_level: number;
      notice_id: string;
      reason: NewEscalation['reason'];
      recipients: string[];
      escalated_at: Date;
    }[];
    return rows.map((row) => ({
      eventId: row.event_id,
      fromLevel: row.from_level,
      toLevel: row.to_level,
      noticeId: row.notice_id,
      reason: row.reason,
      recipients: row.recipients,
      escalatedAt: row.escalated_at,
    }));
  }

  /**
   * Records the first acknowledgement of an event's notice, locking the event's notices so
   * that two acknowledgements at once cannot both count. Returns who acknowledged first.
   */
  async acknowledge(
    manager: EntityManager,
    notice: NoticeRecord,
    by: string,
    at: Date,
  ): Promise<{ first: boolean; acknowledgedBy: string; acknowledgedAt: Date }> {
    const locked = (await manager.query(
      `SELECT id, acknowledged_at, acknowledged_by FROM notifications.notices
       WHERE event_id = $1 ORDER BY id FOR UPDATE`,
      [notice.eventId],
    )) as { id: string; acknowledged_at: Date | null; acknowledged_by: string | null }[];
    const earlier = locked.find((row) => row.acknowledged_at !== null);
    if (earlier) {
      return {
        first: false,
        acknowledgedBy: earlier.acknowledged_by!,
        acknowledgedAt: earlier.acknowledged_at!,
      };
    }

    await manager.query(
      `UPDATE notifications.notices SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1`,
      [notice.id, at, by],
    );
    return { first: true, acknowledgedBy: by, acknowledgedAt: at };
  }

  async findOptOut(manager: EntityManager, optOutId: string): Promise<OptOutRecord | null> {
    const rows = (await manager.query(
      `SELECT record FROM notifications.opt_out_history WHERE opt_out_id = $1`,
      [optOutId],
    )) as { record: OptOutRecord }[];
    return rows[0]?.record ?? null;
  }

  async saveOptOut(manager: EntityManager, record: OptOutRecord): Promise<void> {
    await manager.query(
      `INSERT INTO notifications.opt_out_history (opt_out_id, subject, first_seen_at, record)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (opt_out_id) DO UPDATE
         SET subject = EXCLUDED.subject, first_seen_at = EXCLUDED.first_seen_at,
             record = EXCLUDED.record`,
      [record.optOutId, record.subject, record.firstSeenAt, JSON.stringify(record)],
    );
  }

  async saveAnomaly(manager: EntityManager, anomaly: AnomalyRecord): Promise<void> {
    await manager.query(
      `INSERT INTO notifications.anomalies (anomaly_id, subject, detected_at, record)
       VALUES ($1, $2, $3, $4) ON CONFLICT (anomaly_id) DO NOTHING`,
      [anomaly.anomalyId, anomaly.subject, anomaly.detectedAt, JSON.stringify(anomaly)],
    );
  }

  /** The person's opt-outs first seen in [from, to], newest first, one left out. */
  async optOutsOf(
    manager: EntityManager,
    subject: string,
    from: Date,
    to: Date,
    exceptOptOutId: string,
  ): Promise<OptOutRecord[]> {
    const rows = (await manager.query(
      `SELECT record FROM notifications.opt_out_history
       WHERE subject = $1 AND first_seen_at >= $2 AND first_seen_at <= $3 AND opt_out_id <> $4
       ORDER BY first_seen_at DESC, opt_out_id
       LIMIT 50`,
      [subject, from, to, exceptOptOutId],
    )) as { record: OptOutRecord }[];
    return rows.map((row) => row.record);
  }

  async anomaliesOf(
    manager: EntityManager,
    subject: string,
    from: Date,
    to: Date,
    exceptAnomalyId: string | null,
  ): Promise<AnomalyRecord[]> {
    const rows = (await manager.query(
      `SELECT record FROM notifications.anomalies
       WHERE subject = $1 AND detected_at >= $2 AND detected_at <= $3
         AND ($4::uuid IS NULL OR anomaly_id <> $4::uuid)
       ORDER BY detected_at DESC, anomaly_id
       LIMIT 50`,
      [subject, from, to, exceptAnomalyId],
    )) as { record: AnomalyRecord }[];
    return rows.map((row) => row.record);
  }
}

function toNoticeRecord(row: NoticeRow): NoticeRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    partitionKey: row.partition_key,
    correlationId: row.correlation_id,
    severity: row.severity,
    level: row.level,
    recipientId: row.recipient_id,
    personId: row.person_id,
    content: row.content,
    createdAt: row.created_at,
    acknowledgeBy: row.acknowledge_by,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
  };
}
