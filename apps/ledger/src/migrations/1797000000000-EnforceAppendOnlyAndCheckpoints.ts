import { MigrationInterface, QueryRunner } from 'typeorm';

/** The role the ledger service's connections act as once the migrations have run. */
export const LEDGER_SERVICE_ROLE = 'jit_ledger_service';

const APPEND_ONLY_TABLES = ['ledger.ledger_entries', 'ledger.checkpoints'];

/**
 * Signed checkpoints, append-only like the entries, and a database role for the service that may
 * read everything in the schema and change the projections, but may only append to the entries and
 * the checkpoints: without UPDATE, DELETE or TRUNCATE, the refusal no longer rests on the trigger
 * alone, which an owner can disable.
 */
export class EnforceAppendOnlyAndCheckpoints1797000000000 implements MigrationInterface {
  name = 'EnforceAppendOnlyAndCheckpoints1797000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE ledger.checkpoints (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        algorithm text NOT NULL,
        signature text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE FUNCTION ledger.refuse_append_only_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
          USING HINT = 'the ledger and its checkpoints are only ever appended to';
      END
      $$`);
    await runner.query(`
      CREATE TRIGGER checkpoints_append_only
      BEFORE UPDATE OR DELETE ON ledger.checkpoints
      FOR EACH ROW EXECUTE FUNCTION ledger.refuse_append_only_change()`);
    await runner.query(`
      CREATE TRIGGER checkpoints_no_truncate
      BEFORE TRUNCATE ON ledger.checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_append_only_change()`);

    // The audit publisher's second cursor: a checkpoint may be signed after its entry went out.
    await runner.query(
      `ALTER TABLE ledger.audit_publication
       ADD COLUMN last_published_checkpoint_seq bigint NOT NULL DEFAULT 0`,
    );

    await this.createServiceRole(runner);
    await this.grantServiceRole(runner);
  }

  async down(runner: QueryRunner): Promise<void> {
    // The role is shared by every database of the cluster, so only this database's grants go.
    await runner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM ${LEDGER_SERVICE_ROLE}`);
    await runner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ledger FROM ${LEDGER_SERVICE_ROLE}`);
    await runner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ledger REVOKE ALL ON TABLES FROM ${LEDGER_SERVICE_ROLE}`,
    );
    await runner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ledger REVOKE ALL ON SEQUENCES FROM ${LEDGER_SERVICE_ROLE}`,
    );
    await runner.query(`REVOKE USAGE ON SCHEMA ledger FROM ${LEDGER_SERVICE_ROLE}`);
    await runner.query(`
      DO $$ BEGIN
        EXECUTE format('REVOKE CREATE ON DATABASE %I FROM ${LEDGER_SERVICE_ROLE}', current_database());
      END $$`);
    await runner.query(
      'ALTER TABLE ledger.audit_publication DROP COLUMN IF EXISTS last_published_checkpoint_seq',
    );
    await runner.query('DROP TABLE IF EXISTS ledger.checkpoints');
    await runner.query('DROP FUNCTION IF EXISTS ledger.refuse_append_only_change()');
  }

  // Roles belong to the cluster, and databases of several services or test runs may migrate at
  // the same time: a role created meanwhile by another one counts as created.
  private async createServiceRole(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DO $$ BEGIN
        CREATE ROLE ${LEDGER_SERVICE_ROLE} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    // The connecting user must be a member to act as the role; a superuser is one already.
    await runner.query(`
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, '${LEDGER_SERVICE_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${LEDGER_SERVICE_ROLE} TO %I', current_user);
        END IF;
      EXCEPTION WHEN unique_violation THEN NULL;
      END $$`);
  }

  private async grantServiceRole(runner: QueryRunner): Promise<void> {
    const role = LEDGER_SERVICE_ROLE;
    await runner.query(`GRANT USAGE ON SCHEMA ledger TO ${role}`);
    await runner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA ledger TO ${role}`,
    );
    await runner.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ledger TO ${role}`);
    // Tables of later migrations are the projections' and workers' own, changed by the service.
    await runner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ledger
       GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO ${role}`,
    );
    await runner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ledger GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${role}`,
    );
    await runner.query(
      `REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.join(', ')} FROM ${role}`,
    );
    await runner.query(
      `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ledger.ledger_migrations FROM ${role}`,
    );
    // Investigations replay into schemas of their own, which the service creates and drops.
    await runner.query(`
      DO $$ BEGIN
        EXECUTE format('GRANT CREATE ON DATABASE %I TO ${role}', current_database());
      END $$`);
  }
}
