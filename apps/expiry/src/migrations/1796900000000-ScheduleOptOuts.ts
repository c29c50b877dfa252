import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Opt-outs are kept in `expiry.grants` beside the JIT grants, so that both cover each other by
 * the same rules; `kind` tells them apart. An opt-out can also end early (revoked, lapsed), and
 * carries deadlines of its own.
 */
export class ScheduleOptOuts1796900000000 implements MigrationInterface {
  name = 'ScheduleOptOuts1796900000000';

  async up(runner: QueryRunner): Promise<void> {
    // The default only fills in the rows that exist; every insert names its kind.
    await runner.query(`
      ALTER TABLE expiry.grants
        ADD COLUMN kind text NOT NULL DEFAULT 'jit-grant'
          CONSTRAINT grants_kind_check
          CHECK (kind IN ('jit-grant', 'break-glass', 'standing-exception', 'legacy-exemption')),
        ADD COLUMN lapse_after_unused text`);
    await runner.query('ALTER TABLE expiry.grants ALTER COLUMN kind DROP DEFAULT');
    await runner.query(`
      ALTER TABLE expiry.grants
        DROP CONSTRAINT grants_status_check,
        ADD CONSTRAINT grants_status_check
          CHECK (status IN ('active', 'expired', 'revoked', 'lapsed'))`);
    await runner.query('ALTER TABLE expiry.grants RENAME COLUMN expired_at TO ended_at');

    await runner.query(`
      ALTER TABLE expiry.deadlines
        DROP CONSTRAINT deadlines_kind_check,
        ADD CONSTRAINT deadlines_kind_check
          CHECK (kind IN ('grant-end', 'request-decision', 'unused-lapse', 'review',
                          'recertification'))`);
    await runner.query('CREATE INDEX deadlines_target_idx ON expiry.deadlines (target_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX expiry.deadlines_target_idx');
    await runner.query(`
      DELETE FROM expiry.deadlines
      WHERE kind IN ('unused-lapse', 'review', 'recertification')`);
    await runner.query(`
      ALTER TABLE expiry.deadlines
        DROP CONSTRAINT deadlines_kind_check,
        ADD CONSTRAINT deadlines_kind_check CHECK (kind IN ('grant-end', 'request-decision'))`);

    await runner.query('ALTER TABLE expiry.grants RENAME COLUMN ended_at TO expired_at');
    await runner.query(`UPDATE expiry.grants SET status = 'expired' WHERE status <> 'active'`);
    await runner.query(`
      ALTER TABLE expiry.grants
        DROP CONSTRAINT grants_status_check,
        ADD CONSTRAINT grants_status_check CHECK (status IN ('active', 'expired'))`);
    await runner.query(`
      ALTER TABLE expiry.grants DROP COLUMN lapse_after_unused, DROP COLUMN kind`);
  }
}
