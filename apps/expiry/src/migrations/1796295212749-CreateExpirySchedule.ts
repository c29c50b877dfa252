import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, createProcessedEventsTableSql } from '@app/messaging';

export class CreateExpirySchedule1796295212749 implements MigrationInterface {
  name = 'CreateExpirySchedule1796295212749';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE expiry.grants (
        grant_id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'expired')),
        expired_at timestamptz
      )`);
    await runner.query(
      'CREATE INDEX grants_access_key_idx ON expiry.grants (subject, resource, role)',
    );

    // correlation_id and cause_event_id come from the event that set the deadline, so what the
    // deadline emits when it fires joins that event's causal chain.
    await runner.query(`
      CREATE TABLE expiry.deadlines (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('grant-end', 'request-decision')),
        target_id uuid NOT NULL,
        request_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'fired', 'cancelled')),
        fired_at timestamptz,
        correlation_id text NOT NULL,
        cause_event_id uuid NOT NULL,
        UNIQUE (kind, target_id)
      )`);
    await runner.query(
      `CREATE INDEX deadlines_due_idx ON expiry.deadlines (due_at) WHERE status = 'scheduled'`,
    );

    await runner.query(createOutboxTableSql('expiry'));
    await runner.query(createProcessedEventsTableSql('expiry'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE expiry.processed_events');
    await runner.query('DROP TABLE expiry.outbox');
    await runner.query('DROP TABLE expiry.deadlines');
    await runner.query('DROP TABLE expiry.grants');
  }
}
