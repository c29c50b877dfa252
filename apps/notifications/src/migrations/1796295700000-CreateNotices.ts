import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotices1796295700000 implements MigrationInterface {
  name = 'CreateNotices1796295700000';

  async up(runner: QueryRunner): Promise<void> {
    // One notice per event and recipient, whatever the level that reached them: a person is told
    // about an event once. `content` is what every level's notice of the event is rendered from.
    await runner.query(`
      CREATE TABLE notifications.notices (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        partition_key text NOT NULL,
        correlation_id text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'high', 'critical')),
        level int NOT NULL CHECK (level >= 0),
        recipient_id text NOT NULL,
        person_id text,
        content jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        acknowledge_by timestamptz,
        acknowledged_at timestamptz,
        acknowledged_by text,
        UNIQUE (event_id, recipient_id),
        CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
      )`);
    await runner.query(`
      CREATE INDEX notices_unacknowledged_due_idx ON notifications.notices (acknowledge_by)
      WHERE acknowledge_by IS NOT NULL AND acknowledged_at IS NULL`);
    await runner.query(`CREATE INDEX notices_event_idx ON notifications.notices (event_id)`);

    // The primary key is the claim: one escalation per event and level, however many instances.
    await runner.query(`
      CREATE TABLE notifications.notice_escalations (
        event_id uuid NOT NULL,
        to_level int NOT NULL CHECK (to_level >= 1),
        from_level int NOT NULL CHECK (from_level >= 0),
        notice_id uuid NOT NULL REFERENCES notifications.notices (id),
        reason text NOT NULL CHECK (reason IN ('unacknowledged', 'delivery-failed')),
        recipients text[] NOT NULL,
        escalated_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, to_level)
      )`);

    await runner.query(`
      ALTER TABLE notifications.deliveries
        ADD COLUMN channel text NOT NULL DEFAULT 'webhook'
          CHECK (channel IN ('webhook', 'chat', 'email')),
        ADD COLUMN notice_id uuid REFERENCES notifications.notices (id)`);
    await runner.query(`
      CREATE UNIQUE INDEX deliveries_notice_channel_idx
      ON notifications.deliveries (notice_id, channel) WHERE notice_id IS NOT NULL`);
    await runner.query(`
      CREATE INDEX deliveries_failed_notice_idx ON notifications.deliveries (notice_id)
      WHERE status = 'failed' AND notice_id IS NOT NULL`);

    // The service's own memory of opt-outs and anomalies, kept from the events it consumes, so
    // that a notice can tell the person's recent history without asking another service.
    await runner.query(`
      CREATE TABLE notifications.opt_out_history (
        opt_out_id uuid PRIMARY KEY,
        subject text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        record jsonb NOT NULL
      )`);
    await runner.query(`
      CREATE INDEX opt_out_history_subject_idx
      ON notifications.opt_out_history (subject, first_seen_at DESC)`);
    await runner.query(`
      CREATE TABLE notifications.anomalies (
        anomaly_id uuid PRIMARY KEY,
        subject text NOT NULL,
        detected_at timestamptz NOT NULL,
        record jsonb NOT NULL
      )`);
    await runner.query(`
      CREATE INDEX anomalies_subject_idx ON notifications.anomalies (subject, detected_at DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE notifications.anomalies');
    await runner.query('DROP TABLE notifications.opt_out_history');
    await runner.query('DROP INDEX notifications.deliveries_failed_notice_idx');
    await runner.query('DROP INDEX notifications.deliveries_notice_channel_idx');
    await runner.query(
      'ALTER TABLE notifications.deliveries DROP COLUMN notice_id, DROP COLUMN channel',
    );
    await runner.query('DROP TABLE notifications.notice_escalations');
    await runner.query('DROP TABLE notifications.notices');
  }
}
