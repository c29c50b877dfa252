import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, createProcessedEventsTableSql } from '@app/messaging';

export class CreateDeliveries1796295600000 implements MigrationInterface {
  name = 'CreateDeliveries1796295600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(createOutboxTableSql('notifications'));
    await runner.query(createProcessedEventsTableSql('notifications'));

    // `body` holds the exact bytes that are signed and sent, so every attempt sends the same.
    await runner.query(`
      CREATE TABLE notifications.deliveries (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        endpoint_name text NOT NULL,
        url text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz,
        last_error text,
        last_status_code int,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        failed_at timestamptz,
        UNIQUE (event_id, endpoint_name),
        CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL),
        CHECK (status <> 'delivered' OR delivered_at IS NOT NULL),
        CHECK (status <> 'failed' OR failed_at IS NOT NULL)
      )`);
    await runner.query(`
      CREATE INDEX deliveries_due_idx ON notifications.deliveries (next_attempt_at)
      WHERE status = 'pending'`);
    await runner.query(`
      CREATE INDEX deliveries_created_idx ON notifications.deliveries (created_at DESC, id)`);
    await runner.query(`
      CREATE INDEX deliveries_status_created_idx
      ON notifications.deliveries (status, created_at DESC)`);

    await runner.query(`
      CREATE TABLE notifications.delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES notifications.deliveries (id),
        attempt int NOT NULL CHECK (attempt >= 1),
        attempted_at timestamptz NOT NULL,
        status_code int,
        error text,
        duration_ms int NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE notifications.delivery_attempts');
    await runner.query('DROP TABLE notifications.deliveries');
    await runner.query('DROP TABLE notifications.processed_events');
    await runner.query('DROP TABLE notifications.outbox');
  }
}
