import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scheduler claims due deadlines `ORDER BY due_at, id LIMIT n`. On an index of `due_at`
 * alone, PostgreSQL read and sorted every due deadline for each batch (on disk once there were
 * tens of thousands), so a backlog of n deadlines cost about n²/batch rows to drain. With `id` in
 * the index, a claim reads the batch in order and stops.
 *
 * A plain CREATE INDEX, as migrations run in a transaction: writes to the deadlines wait while it
 * builds, about a second per million scheduled deadlines.
 */
export class OrderDueDeadlinesByIdToo1797200000000 implements MigrationInterface {
  name = 'OrderDueDeadlinesByIdToo1797200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX deadlines_due_order_idx ON expiry.deadlines (due_at, id)
       WHERE status = 'scheduled'`,
    );
    await runner.query('DROP INDEX expiry.deadlines_due_idx');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX deadlines_due_idx ON expiry.deadlines (due_at) WHERE status = 'scheduled'`,
    );
    await runner.query('DROP INDEX expiry.deadlines_due_order_idx');
  }
}
