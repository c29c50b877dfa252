import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Who held R at T" asks for grants of R with starts_at <= T < COALESCE(ended_at, ends_at). The
 * (resource, starts_at) index alone reads every grant of R that started before T from the heap to
 * test its end; with the end in the index too, the test is done on index entries and only the
 * grants that held R at T are read from the table.
 */
export class AddGrantHistoryWindowIndex1797100000000 implements MigrationInterface {
  name = 'AddGrantHistoryWindowIndex1797100000000';

  // Limitation: a plain CREATE INDEX (migrations run in a transaction, so not CONCURRENTLY)
  // holds back appends that touch grant_history until the index is built.
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX grant_history_resource_window_idx
       ON ledger.grant_history (resource, (COALESCE(ended_at, ends_at)), starts_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS ledger.grant_history_resource_window_idx');
  }
}
