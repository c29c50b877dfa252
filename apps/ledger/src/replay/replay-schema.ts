import { PROJECTION_TABLES, ProjectionApplier } from '../projections/projection.applier';
import { Queryable } from '../queryable';
import { replayLedger, ReplayOptions, ReplayResult } from './ledger-replay';
import { ProjectionState } from './projection-state';
import { ReplaySchemaError } from './replay.errors';

export const REPLAY_SCHEMA_PREFIX = 'ledger_replay_';
const REPLAY_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const INSERT_CHUNK = 1000;

/** `ledger_replay_<name>`; the name is checked so that it can be spliced into SQL unquoted. */
export function replaySchemaName(name: string): string {
  if (!REPLAY_NAME.test(name)) {
    throw new ReplaySchemaError(
      'invalid-replay-name',
      `a replay name is 1-40 lowercase letters, digits and _, starting with a letter: not "${name}"`,
    );
  }
  return `${REPLAY_SCHEMA_PREFIX}${name}`;
}

/** The projection tables' names without their schema, e.g. `current_grants`. */
export const REPLAY_TABLES = PROJECTION_TABLES.map((table) => table.replace(/^ledger\./, ''));

export interface SchemaReplayResult extends Omit<ReplayResult, 'state'> {
  schema: string;
}

/**
 * Replays the ledger into a schema of its own, with tables shaped like the live projections
 * (columns, keys and indexes copied from them) and a `replay_info` row saying what was replayed.
 * Run inside one transaction: a replay that fails (a broken chain) leaves no schema behind.
 */
export async function replayIntoSchema(
  db: Queryable,
  name: string,
  options: Omit<ReplayOptions, 'drain'> = {},
): Promise<SchemaReplayResult> {
  const schema = replaySchemaName(name);
  await createReplaySchema(db, schema);
  const projections = new ProjectionApplier(schema);

  const result = await replayLedger(db, {
    ...options,
    drain: (records) => inChunks(records, (chunk) => projections.insertAuditTrail(db, chunk)),
  });
  await insertProjectionState(db, projections, result.state);
  await db.query(
    `INSERT INTO ${schema}.replay_info (to_seq, to_hash, head_seq, to_time, replayed)
     VALUES ($1, $2, $3, $4, $5)`,
    [result.last.seq, result.last.hash, result.head.seq, options.toTime ?? null, result.replayed],
  );
  return { schema, replayed: result.replayed, last: result.last, head: result.head };
}

async function createReplaySchema(db: Queryable, schema: string): Promise<void> {
  if (await replaySchemaExists(db, schema)) {
    throw new ReplaySchemaError(
      'replay-schema-exists',
      `schema ${schema} exists already; drop it first (drop-replay) or choose another name`,
    );
  }
  await db.query(`CREATE SCHEMA ${schema}`);
  for (const table of REPLAY_TABLES) {
    await db.query(`CREATE TABLE ${schema}.${table} (LIKE ledger.${table} INCLUDING ALL)`);
  }
  await db.query(`
    CREATE TABLE ${schema}.replay_info (
      to_seq bigint NOT NULL,
      to_hash text NOT NULL,
      head_seq bigint NOT NULL,
      to_time timestamptz NULL,
      replayed bigint NOT NULL,
      replayed_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/** Drops a replay schema; only schemas named as replays are ever dropped. */
export async function dropReplaySchema(db: Queryable, name: string): Promise<string> {
  const schema = await existingReplaySchema(db, name);
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  return schema;
}

/** The schema of a replay that exists, or a ReplaySchemaError naming the one that does not. */
export async function existingReplaySchema(db: Queryable, name: string): Promise<string> {
  const schema = replaySchemaName(name);
  if (!(await replaySchemaExists(db, schema))) {
    throw new ReplaySchemaError('unknown-replay-schema', `there is no replay schema ${schema}`);
  }
  return schema;
}

export async function listReplaySchemas(db: Queryable): Promise<string[]> {
  const rows = (await db.query(
    `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname`,
    [REPLAY_SCHEMA_PREFIX],
  )) as { nspname: string }[];
  return rows.map((row) => row.nspname);
}

async function replaySchemaExists(db: Queryable, schema: string): Promise<boolean> {
  const rows = (await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
    schema,
  ])) as unknown[];
  return rows.length > 0;
}

async function insertProjectionState(
  db: Queryable,
  projections: ProjectionApplier,
  state: ProjectionState,
): Promise<void> {
  await inChunks([...state.currentGrants.values()], (chunk) =>
    projections.insertCurrentGrants(db, chunk),
  );
  await inChunks([...state.grantHistory.values()], (chunk) =>
    projections.insertGrantHistory(db, chunk),
  );
  await inChunks([...state.auditTrail.targets.values()], (chunk) =>
    projections.insertRequestTargets(db, chunk),
  );
  await inChunks([...state.auditTrail.optOuts.values()], (chunk) =>
    projections.insertOptOutTargets(db, chunk),
  );
}

/** A whole ledger's rows in one statement would build one huge JSON parameter. */
async function inChunks<T>(
  rows: readonly T[],
  insert: (chunk: readonly T[]) => Promise<void>,
): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += INSERT_CHUNK) {
    await insert(rows.slice(offset, offset + INSERT_CHUNK));
  }
}
