import {
  AuditTrailRecord,
  OptOutTarget,
  RequestTarget,
} from '../projections/audit-trail.projection';
import { CurrentGrant } from '../projections/current-grants.projection';
import { GrantHistoryRecord } from '../projections/grant-history.projection';
import { PROJECTION_TABLES } from '../projections/projection.applier';
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

  const result = await replayLedger(db, {
    ...options,
    drain: (records) => insertAuditTrail(db, schema, records),
  });
  await insertProjectionState(db, schema, result.state);
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
  const schema = replaySchemaName(name);
  if (!(await replaySchemaExists(db, schema))) {
    throw new ReplaySchemaError('unknown-replay-schema', `there is no replay schema ${schema}`);
  }
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
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
  schema: string,
  state: ProjectionState,
): Promise<void> {
  await insertRows(
    db,
    `INSERT INTO ${schema}.current_grants
       (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, approvers,
        automatic, policy_id, issued_seq)
     SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid, kind text,
       subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
       approvers text[], automatic boolean, policy_id text, issued_seq bigint)`,
    [...state.currentGrants.values()].map(grantRow),
  );
  await insertRows(
    db,
    `INSERT INTO ${schema}.grant_history
       (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, ended_at,
        approvers, automatic, policy_id, issued_seq, ended_seq)
     SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid, kind text,
       subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
       ended_at timestamptz, approvers text[], automatic boolean, policy_id text,
       issued_seq bigint, ended_seq bigint)`,
    [...state.grantHistory.values()].map(historyRow),
  );
  await insertRows(
    db,
    `INSERT INTO ${schema}.request_targets (request_id, subject, resource, role)
     SELECT * FROM json_to_recordset($1::json)
       AS t(request_id uuid, subject text, resource text, role text)`,
    [...state.auditTrail.targets.values()].map(requestTargetRow),
  );
  await insertRows(
    db,
    `INSERT INTO ${schema}.opt_out_targets (opt_out_id, kind, subject, resource, role)
     SELECT * FROM json_to_recordset($1::json)
       AS t(opt_out_id uuid, kind text, subject text, resource text, role text)`,
    [...state.auditTrail.optOuts.values()].map(optOutTargetRow),
  );
}

async function insertAuditTrail(
  db: Queryable,
  schema: string,
  records: readonly AuditTrailRecord[],
): Promise<void> {
  await insertRows(
    db,
    `INSERT INTO ${schema}.audit_trail
       (seq, event_id, event_type, occurred_at, recorded_at, actor, subject, resource, role,
        request_id, grant_id, opt_out_id, summary)
     SELECT * FROM json_to_recordset($1::json) AS a(seq bigint, event_id uuid, event_type text,
       occurred_at timestamptz, recorded_at timestamptz, actor text, subject text, resource text,
       role text, request_id uuid, grant_id uuid, opt_out_id uuid, summary text)`,
    records.map(auditTrailRow),
  );
}

async function insertRows(
  db: Queryable,
  sql: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += INSERT_CHUNK) {
    await db.query(sql, [JSON.stringify(rows.slice(offset, offset + INSERT_CHUNK))]);
  }
}

function grantRow(grant: CurrentGrant): Record<string, unknown> {
  return {
    grant_id: grant.grantId,
    request_id: grant.requestId,
    kind: grant.kind,
    subject: grant.subject,
    resource: grant.resource,
    role: grant.role,
    starts_at: grant.startsAt,
    ends_at: grant.endsAt,
    approvers: grant.approvers,
    automatic: grant.automatic,
    policy_id: grant.policyId,
    issued_seq: grant.issuedSeq,
  };
}

function historyRow(grant: GrantHistoryRecord): Record<string, unknown> {
  return { ...grantRow(grant), ended_at: grant.endedAt, ended_seq: grant.endedSeq };
}

function requestTargetRow(target: RequestTarget): Record<string, unknown> {
  return {
    request_id: target.requestId,
    subject: target.subject,
    resource: target.resource,
    role: target.role,
  };
}

function optOutTargetRow(target: OptOutTarget): Record<string, unknown> {
  return {
    opt_out_id: target.optOutId,
    kind: target.kind,
    subject: target.subject,
    resource: target.resource,
    role: target.role,
  };
}

function auditTrailRow(record: AuditTrailRecord): Record<string, unknown> {
  return {
    seq: record.seq,
    event_id: record.eventId,
    event_type: record.eventType,
    occurred_at: record.occurredAt,
    recorded_at: record.recordedAt,
    actor: record.actor,
    subject: record.subject,
    resource: record.resource,
    role: record.role,
    request_id: record.requestId,
    grant_id: record.grantId,
    opt_out_id: record.optOutId,
    summary: record.summary,
  };
}
