/**
 * DDL for the tables every service with state keeps beside its own: the outbox of events waiting
 * to be published, and the ids of events already handled. Services call these from their first
 * migration so the shape is the same everywhere.
 */
export function createOutboxTableSql(schema: string): string {
  return `
    CREATE TABLE "${schema}".outbox (
      seq bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      topic text NOT NULL,
      partition_key text NOT NULL,
      payload text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`;
}

export function createProcessedEventsTableSql(schema: string): string {
  return `
    CREATE TABLE "${schema}".processed_events (
      consumer text NOT NULL,
      event_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`;
}
