import { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTableSql, createProcessedEventsTableSql } from '@app/messaging';

/**
 * The hash-chained ledger, its projections and the audit publication cursor. Entries are
 * append-only by the database's own rule: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export class CreateLedger1796295216000 implements MigrationInterface {
  name = 'CreateLedger1796295216000';

  async up(runner: QueryRunner): Promise<void> {
    // The payload is text, not jsonb: jsonb reorders keys, and the hash is over these exact bytes.
    await runner.query(`
      CREATE TABLE ledger.ledger_entries (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        partition_key text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        payload text NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await runner.query(`
      CREATE FUNCTION ledger.refuse_ledger_entry_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger entries are append-only: % on ledger_entries is refused', TG_OP
          USING HINT = 'correct a mistake by appending a new event, never by changing an entry';
      END
      $$`);
    await runner.query(`
      CREATE TRIGGER ledger_entries_append_only
      BEFORE UPDATE OR DELETE ON ledger.ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger.refuse_ledger_entry_change()`);
    await runner.query(`
      CREATE TRIGGER ledger_entries_no_truncate
      BEFORE TRUNCATE ON ledger.ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_ledger_entry_change()`);

    await runner.query(`
      CREATE TABLE ledger.ledger_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      )`);
    await runner.query(
      `INSERT INTO ledger.ledger_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))`,
    );

    await runner.query(`
      CREATE TABLE ledger.current_grants (
        grant_id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        approvers text[] NOT NULL,
        automatic boolean NOT NULL,
        policy_id text NOT NULL,
        issued_seq bigint NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX current_grants_subject_idx ON ledger.current_grants (subject, issued_seq)',
    );
    await runner.query(
      'CREATE INDEX current_grants_resource_idx ON ledger.current_grants (resource, issued_seq)',
    );

    await runner.query(`
      CREATE TABLE ledger.grant_history (
        grant_id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        ended_at timestamptz NULL,
        approvers text[] NOT NULL,
        automatic boolean NOT NULL,
        policy_id text NOT NULL,
        issued_seq bigint NOT NULL,
        ended_seq bigint NULL
      )`);
    await runner.query(
      'CREATE INDEX grant_history_resource_idx ON ledger.grant_history (resource, starts_at)',
    );
    await runner.query(
      'CREATE INDEX grant_history_subject_idx ON ledger.grant_history (subject, starts_at)',
    );

    await runner.query(`
      CREATE TABLE ledger.audit_trail (
        seq bigint PRIMARY KEY,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        actor text NOT NULL,
        subject text NULL,
        resource text NULL,
        role text NULL,
        request_id uuid NULL,
        grant_id uuid NULL,
        summary text NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX audit_trail_request_idx ON ledger.audit_trail (request_id, seq)',
    );
    await runner.query('CREATE INDEX audit_trail_subject_idx ON ledger.audit_trail (subject, seq)');
    await runner.query(
      'CREATE INDEX audit_trail_resource_idx ON ledger.audit_trail (resource, seq)',
    );

    // Part of the audit-trail projection: later events of a request name only its id.
    await runner.query(`
      CREATE TABLE ledger.request_targets (
        request_id uuid PRIMARY KEY,
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL
      )`);

    await runner.query(`
      CREATE TABLE ledger.audit_publication (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_published_seq bigint NOT NULL
      )`);
    await runner.query(
      'INSERT INTO ledger.audit_publication (id, last_published_seq) VALUES (1, 0)',
    );

    await runner.query(createOutboxTableSql('ledger'));
    await runner.query(createProcessedEventsTableSql('ledger'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE IF EXISTS ledger.processed_events, ledger.outbox, ledger.audit_publication,
        ledger.request_targets, ledger.audit_trail, ledger.grant_history, ledger.current_grants,
        ledger.ledger_head, ledger.ledger_entries`);
    await runner.query('DROP FUNCTION IF EXISTS ledger.refuse_ledger_entry_change()');
  }
}
