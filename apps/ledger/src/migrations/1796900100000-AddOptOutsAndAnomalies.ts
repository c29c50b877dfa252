import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Opt-outs in the projections (their access among the grants, their id in the audit trail), the
 * anomaly detector's cursor and facts, and an index for reports over a period of the ledger.
 */
export class AddOptOutsAndAnomalies1796900100000 implements MigrationInterface {
  name = 'AddOptOutsAndAnomalies1796900100000';

  async up(runner: QueryRunner): Promise<void> {
    // `jit` for a grant issued for a request, else the opt-out's kind; the grant id is its opt-out id.
    await runner.query(
      `ALTER TABLE ledger.current_grants ADD COLUMN kind text NOT NULL DEFAULT 'jit'`,
    );
    await runner.query(
      `ALTER TABLE ledger.grant_history ADD COLUMN kind text NOT NULL DEFAULT 'jit'`,
    );
    await runner.query('ALTER TABLE ledger.audit_trail ADD COLUMN opt_out_id uuid NULL');
    await runner.query(
      'CREATE INDEX audit_trail_opt_out_idx ON ledger.audit_trail (opt_out_id, seq)',
    );
    // Part of the audit-trail projection: later events of an opt-out name only its id.
    await runner.query(`
      CREATE TABLE ledger.opt_out_targets (
        opt_out_id uuid PRIMARY KEY,
        kind text NOT NULL,
        subject text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX ledger_entries_occurred_idx ON ledger.ledger_entries (occurred_at, seq)',
    );

    await runner.query(`
      CREATE TABLE ledger.anomaly_detection (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_seq bigint NOT NULL
      )`);
    await runner.query('INSERT INTO ledger.anomaly_detection (id, last_seq) VALUES (1, 0)');
    // Requests and opt-outs as the detector knows them: who asked, as which groups, and when.
    await runner.query(`
      CREATE TABLE ledger.anomaly_subjects (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        requester text NOT NULL,
        groups text[] NOT NULL,
        resource text NOT NULL,
        justification_length integer NOT NULL,
        approval_requested_at timestamptz NULL,
        uses integer NOT NULL DEFAULT 0,
        ended boolean NOT NULL DEFAULT false
      )`);
    await runner.query(`
      CREATE TABLE ledger.anomaly_activations (
        opt_out_id uuid PRIMARY KEY,
        subject text NOT NULL,
        groups text[] NOT NULL,
        activated_at timestamptz NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX anomaly_activations_subject_idx ON ledger.anomaly_activations (subject, activated_at)',
    );
    await runner.query(
      'CREATE INDEX anomaly_activations_groups_idx ON ledger.anomaly_activations USING gin (groups)',
    );
    await runner.query(`
      CREATE TABLE ledger.anomaly_held_access (
        subject text NOT NULL,
        resource text NOT NULL,
        PRIMARY KEY (subject, resource)
      )`);
    await runner.query(`
      CREATE TABLE ledger.anomaly_maximum_durations (
        id uuid PRIMARY KEY,
        requester text NOT NULL,
        requested_at timestamptz NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX anomaly_maximum_durations_idx ON ledger.anomaly_maximum_durations (requester, requested_at)',
    );
    await runner.query(`
      CREATE TABLE ledger.anomaly_approvals (
        ledger_seq bigint PRIMARY KEY,
        approver text NOT NULL,
        requester text NOT NULL,
        approved_id uuid NOT NULL,
        recorded_at timestamptz NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX anomaly_approvals_pair_idx ON ledger.anomaly_approvals (approver, requester, recorded_at)',
    );
    // The unique key that keeps a restart or a second instance from reporting an anomaly twice.
    await runner.query(`
      CREATE TABLE ledger.anomalies (
        rule text NOT NULL,
        ledger_seq bigint NOT NULL,
        anomaly_id uuid NOT NULL UNIQUE,
        event_id uuid NOT NULL,
        detected_at timestamptz NOT NULL,
        PRIMARY KEY (rule, ledger_seq)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE IF EXISTS ledger.anomalies, ledger.anomaly_approvals,
        ledger.anomaly_maximum_durations, ledger.anomaly_held_access, ledger.anomaly_activations,
        ledger.anomaly_subjects, ledger.anomaly_detection, ledger.opt_out_targets`);
    await runner.query('DROP INDEX IF EXISTS ledger.ledger_entries_occurred_idx');
    await runner.query('DROP INDEX IF EXISTS ledger.audit_trail_opt_out_idx');
    await runner.query('ALTER TABLE ledger.audit_trail DROP COLUMN IF EXISTS opt_out_id');
    await runner.query('ALTER TABLE ledger.grant_history DROP COLUMN IF EXISTS kind');
    await runner.query('ALTER TABLE ledger.current_grants DROP COLUMN IF EXISTS kind');
  }
}
