import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, createProcessedEventsTableSql } from '@app/messaging';

export class CreateAccessRequests1796295325756 implements MigrationInterface {
  name = 'CreateAccessRequests1796295325756';

  async up(runner: QueryRunner): Promise<void> {
    // The columns are what listing and support queries filter on; `view` is the whole projection.
    await runner.query(`
      CREATE TABLE requests.access_requests (
        request_id uuid PRIMARY KEY,
        requester_id text NOT NULL,
        requester_groups text[] NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        duration text NOT NULL,
        justification text NOT NULL,
        ticket text,
        start_at timestamptz,
        channel text NOT NULL CHECK (channel IN ('http', 'ticketing')),
        status text NOT NULL CHECK (status IN ('submitted', 'pending-approval', 'approved',
          'granted', 'denied', 'refused', 'expired', 'ended')),
        submitted_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        view jsonb NOT NULL,
        idempotency_key text,
        CONSTRAINT access_requests_idempotency_key UNIQUE (requester_id, idempotency_key)
      )`);
    await runner.query(`
      CREATE INDEX access_requests_by_requester
        ON requests.access_requests (requester_id, submitted_at DESC)`);
    await runner.query(createOutboxTableSql('requests'));
    await runner.query(createProcessedEventsTableSql('requests'));
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['processed_events', 'outbox', 'access_requests']) {
      await runner.query(`DROP TABLE requests.${table}`);
    }
  }
}
