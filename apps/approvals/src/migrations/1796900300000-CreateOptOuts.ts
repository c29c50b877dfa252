import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOptOuts1796900300000 implements MigrationInterface {
  name = 'CreateOptOuts1796900300000';

  async up(runner: QueryRunner): Promise<void> {
    // The whole state is one document, written from the pure decider's result; the columns beside
    // it are copies kept for the queries that filter on them.
    await runner.query(`
      CREATE TABLE approvals.opt_outs (
        opt_out_id uuid PRIMARY KEY,
        kind text NOT NULL
          CHECK (kind IN ('break-glass', 'standing-exception', 'legacy-exemption')),
        subject_id text NOT NULL,
        resource text NOT NULL,
        role text NOT NULL,
        status text NOT NULL CHECK (status IN
          ('refused', 'pending', 'active', 'denied', 'revoked', 'lapsed', 'expired')),
        review_status text NOT NULL CHECK (review_status IN ('none', 'due', 'overdue', 'done')),
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX opt_outs_by_subject ON approvals.opt_outs (subject_id, kind, review_status)',
    );
    await runner.query(
      'CREATE INDEX opt_outs_by_status ON approvals.opt_outs (status, created_at DESC)',
    );
    // One row per person who ever broke glass; locking it serializes their eligibility check and
    // activation with the suspension an overdue review sets.
    await runner.query(`
      CREATE TABLE approvals.break_glass_eligibility (
        subject_id text PRIMARY KEY,
        suspended_at timestamptz,
        suspended_by_opt_out uuid
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE approvals.break_glass_eligibility');
    await runner.query('DROP TABLE approvals.opt_outs');
  }
}
