import { EntityManager } from 'typeorm';

/**
 * Records that `consumer` has handled `eventId`, inside the handler's transaction. Returns false
 * when it already had, so the caller skips the effect: redelivery after a rebalance or a crash
 * before the offset commit then changes nothing.
 */
export async function claimEvent(
  manager: EntityManager,
  schema: string,
  consumer: string,
  eventId: string,
): Promise<boolean> {
  const rows = (await manager.query(
    `INSERT INTO "${schema}".processed_events (consumer, event_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, eventId],
  )) as unknown[];
  return rows.length === 1;
}
