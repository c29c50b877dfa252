import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RequestStatus, RequestView } from './request-view';

const TABLE = 'requests.access_requests';

export interface ListFilter {
  requesterId: string;
  status: RequestStatus | null;
  limit: number;
}

/** Access requests as rows whose `view` column holds the projected view. */
@Injectable()
export class AccessRequestRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new request; false when one with its id already exists, which is left as it is. */
  async insert(
    manager: EntityManager,
    view: RequestView,
    idempotencyKey: string | null,
  ): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${TABLE} (request_id, requester_id, requester_groups, resource, role, duration,
         justification, ticket, start_at, channel, status, submitted_at, updated_at, view,
         idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT DO NOTHING
       RETURNING request_id`,
      [
        view.requestId,
        view.requester.id,
        view.requester.groups,
        view.resource,
        view.role,
        view.duration,
        view.justification,
        view.ticket,
        view.startAt,
        view.channel,
        view.status,
        view.submittedAt,
        view.updatedAt,
        JSON.stringify(view),
        idempotencyKey,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  async findById(requestId: string): Promise<RequestView | null> {
    const rows = (await this.dataSource.query(`SELECT view FROM ${TABLE} WHERE request_id = $1`, [
      requestId,
    ])) as { view: RequestView }[];
    return rows[0]?.view ?? null;
  }

  /** Reads a request and locks its row until the transaction ends. */
  async findForUpdate(manager: EntityManager, requestId: string): Promise<RequestView | null> {
    const rows = (await manager.query(
      `SELECT view FROM ${TABLE} WHERE request_id = $1 FOR UPDATE`,
      [requestId],
    )) as { view: RequestView }[];
    return rows[0]?.view ?? null;
  }

  async saveView(manager: EntityManager, view: RequestView): Promise<void> {
    await manager.query(
      `UPDATE ${TABLE} SET status = $2, updated_at = $3, view = $4 WHERE request_id = $1`,
      [view.requestId, view.status, view.updatedAt, JSON.stringify(view)],
    );
  }

  /** Newest first. */
  async list(filter: ListFilter): Promise<RequestView[]> {
    const rows = (await this.dataSource.query(
      `SELECT view FROM ${TABLE}
       WHERE requester_id = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY submitted_at DESC, request_id
       LIMIT $3`,
      [filter.requesterId, filter.status, filter.limit],
    )) as { view: RequestView }[];
    return rows.map((row) => row.view);
  }
}
