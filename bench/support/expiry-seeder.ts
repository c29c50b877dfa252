import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createEvent, EventEnvelope } from '@app/contracts';

/**
 * Seeds expiry's schedule straight into its tables, in the shape the consumer writes for a
 * `GrantIssued` (ScheduleService.scheduleGrantEnd): an active `jit-grant` row, its `grant-end`
 * deadline at `endsAt` with the event's correlation and id, and the event id in
 * `processed_events`. Producing a million events through Kafka would take far longer than the
 * measurements; `checkSeededShape` compares seeded rows with rows the real consumer wrote.
 *
 * Every value derives from (tag, i), in SQL for the bulk and in `sampleGrantIssued` for the
 * events put through the real path, so both sides can be compared row by row.
 */
export interface SeedBatch {
  /** Distinguishes the batch's ids; unique per database. */
  tag: string;
  count: number;
  /** When the first grant ends; grant i (from 1) ends at firstEndMs + (i - 1) * stepMs. */
  firstEndMs: number;
  stepMs: number;
  startsAtMs: number;
}

export const SEED_CONSUMER = 'expiry-access-events';
const ROLE = 'read-only';
const RESOURCES = 97;

// A v4-shaped UUID from an md5, so that the ids pass the contracts' z.uuid() downstream.
const UUID_SQL = (seed: string) =>
  `overlay(overlay(md5(${seed}) placing '4' from 13) placing '8' from 17)::uuid`;

export function seedUuid(seed: string): string {
  const hex = createHash('md5').update(seed).digest('hex');
  const shaped = `${hex.slice(0, 12)}4${hex.slice(13, 16)}8${hex.slice(17)}`;
  return [
    shaped.slice(0, 8),
    shaped.slice(8, 12),
    shaped.slice(12, 16),
    shaped.slice(16, 20),
    shaped.slice(20),
  ].join('-');
}

export function seededGrantId(tag: string, index: number): string {
  return seedUuid(`${tag}:g:${index}`);
}

export function seededGrantIds(batch: Pick<SeedBatch, 'tag' | 'count'>): string[] {
  return Array.from({ length: batch.count }, (_, offset) => seededGrantId(batch.tag, offset + 1));
}

/**
 * Writes the batch into `schema` in one statement, so the scheduler sees all of it or none.
 * Returns how long the insert took.
 */
export async function seedGrants(
  client: Client,
  schema: string,
  batch: SeedBatch,
): Promise<number> {
  const started = Date.now();
  await client.query(
    `WITH spec AS (
       SELECT i,
              ${UUID_SQL(`$1 || ':g:' || i`)} AS grant_id,
              ${UUID_SQL(`$1 || ':r:' || i`)} AS request_id,
              ${UUID_SQL(`$1 || ':e:' || i`)} AS event_id
       FROM generate_series(1, $2::int) AS i),
     grants AS (
       INSERT INTO "${schema}".grants
         (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, status,
          lapse_after_unused)
       SELECT grant_id, request_id, 'jit-grant', $1 || '-u-' || i, 'db:bench-' || (i % ${RESOURCES}),
              '${ROLE}', to_timestamp($5::float8 / 1000),
              to_timestamp(($3::float8 + (i - 1) * $4::float8) / 1000), 'active', NULL
       FROM spec
       RETURNING grant_id, request_id, ends_at),
     deadlines AS (
       INSERT INTO "${schema}".deadlines
         (kind, target_id, request_id, due_at, status, correlation_id, cause_event_id)
       SELECT 'grant-end', g.grant_id, g.request_id, g.ends_at, 'scheduled', g.request_id::text,
              s.event_id
       FROM grants g JOIN spec s USING (grant_id)
       RETURNING cause_event_id)
     INSERT INTO "${schema}".processed_events (consumer, event_id)
     SELECT '${SEED_CONSUMER}', cause_event_id::text FROM deadlines`,
    [batch.tag, batch.count, batch.firstEndMs, batch.stepMs, batch.startsAtMs],
  );
  return Date.now() - started;
}

/**
 * The `GrantIssued` events of a batch, as the approvals service would publish them: keyed by
 * request id, with the request id as the correlation.
 */
export function sampleGrantIssued(batch: SeedBatch): EventEnvelope<'GrantIssued'>[] {
  return Array.from({ length: batch.count }, (_, offset) => {
    const index = offset + 1;
    const requestId = seedUuid(`${batch.tag}:r:${index}`);
    return createEvent(
      'GrantIssued',
      {
        grantId: seededGrantId(batch.tag, index),
        requestId,
        subject: `${batch.tag}-u-${index}`,
        resource: `db:bench-${index % RESOURCES}`,
        role: ROLE,
        startsAt: new Date(batch.startsAtMs).toISOString(),
        endsAt: new Date(batch.firstEndMs + offset * batch.stepMs).toISOString(),
        duration: 'PT1H',
        requestedDuration: 'PT1H',
        capped: false,
        approvers: ['u-bench-approver'],
        automatic: false,
        policyId: 'bench-policy',
      },
      {
        source: 'approvals',
        time: new Date(),
        partitionKey: requestId,
        correlationId: requestId,
        causationId: seedUuid(`${batch.tag}:c:${index}`),
      },
      seedUuid(`${batch.tag}:e:${index}`),
    );
  });
}

export interface ShapeCheck {
  rowsCompared: number;
  mismatches: string[];
}

/**
 * Seeds the sample batch into a scratch schema with the same tables and compares every column
 * (as jsonb, so a column added later shows up too) with what the consumer stored for the same
 * events; only the deadline's serial id and the processing time may differ.
 */
export async function checkSeededShape(client: Client, batch: SeedBatch): Promise<ShapeCheck> {
  const scratch = 'bench_shape';
  await client.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`);
  await client.query(`CREATE SCHEMA ${scratch}`);
  for (const table of ['grants', 'deadlines', 'processed_events']) {
    await client.query(
      `CREATE TABLE ${scratch}.${table} (LIKE expiry.${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
  }
  try {
    await seedGrants(client, scratch, batch);
    const ids = seededGrantIds(batch);
    const mismatches = [
      ...(await compareRows(client, scratch, 'grants', 'grant_id', ids, [])),
      ...(await compareRows(client, scratch, 'deadlines', 'target_id', ids, ['id'])),
      ...(await compareProcessed(client, scratch, batch)),
    ];
    return { rowsCompared: ids.length * 3, mismatches };
  } finally {
    await client.query(`DROP SCHEMA ${scratch} CASCADE`);
  }
}

async function compareRows(
  client: Client,
  scratch: string,
  table: string,
  key: string,
  ids: string[],
  ignored: string[],
): Promise<string[]> {
  const read = async (schema: string) => {
    const result = await client.query<{ key: string; row: string }>(
      `SELECT ${key}::text AS key, (to_jsonb(t) - $2::text[])::text AS row
       FROM "${schema}".${table} t WHERE ${key} = ANY($1::uuid[])`,
      [ids, ignored],
    );
    return new Map(result.rows.map((row) => [row.key, row.row]));
  };
  const real = await read('expiry');
  const seeded = await read(scratch);
  return ids.flatMap((id) =>
    real.get(id) === seeded.get(id)
      ? []
      : [`${table} ${id}: consumer ${real.get(id) ?? 'none'}, seeded ${seeded.get(id) ?? 'none'}`],
  );
}

async function compareProcessed(
  client: Client,
  scratch: string,
  batch: SeedBatch,
): Promise<string[]> {
  const eventIds = Array.from({ length: batch.count }, (_, offset) =>
    seedUuid(`${batch.tag}:e:${offset + 1}`),
  );
  const read = async (schema: string) => {
    const result = await client.query<{ row: string }>(
      `SELECT (to_jsonb(p) - 'processed_at')::text AS row
       FROM "${schema}".processed_events p WHERE event_id = ANY($1::text[]) ORDER BY event_id`,
      [eventIds],
    );
    return result.rows.map((row) => row.row);
  };
  const real = await read('expiry');
  const seeded = await read(scratch);
  if (real.length === eventIds.length && JSON.stringify(real) === JSON.stringify(seeded)) return [];
  return [
    `processed_events: consumer ${real.length} rows, seeded ${seeded.length}, or they differ`,
  ];
}
