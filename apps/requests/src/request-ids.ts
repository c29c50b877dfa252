import { randomUUID } from 'node:crypto';
import { v5 as uuidV5 } from 'uuid';

// Fixed for good: changing either would give a retried request a new id and a second request.
const IDEMPOTENCY_KEY_NAMESPACE = '19de48d9-7ec9-4e09-8c16-3764484bacce';
const TICKETING_EVENT_NAMESPACE = 'f54a0e1a-ca31-4b38-ad98-cfcf778f7597';

/**
 * The id of a request filed over HTTP: derived from the requester and their Idempotency-Key when
 * one is sent, so a retried POST names the same request; random otherwise.
 */
export function httpRequestId(requesterId: string, idempotencyKey: string | null): string {
  if (idempotencyKey === null) {
    return randomUUID();
  }
  // JSON keeps the two parts apart whatever characters they hold.
  return uuidV5(JSON.stringify([requesterId, idempotencyKey]), IDEMPOTENCY_KEY_NAMESPACE);
}

/** The id of a request from the ticketing topic: the same message always names the same request. */
export function ticketingRequestId(eventId: string): string {
  return uuidV5(eventId.toLowerCase(), TICKETING_EVENT_NAMESPACE);
}
