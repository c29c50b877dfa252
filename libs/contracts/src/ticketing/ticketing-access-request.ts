import { z } from 'zod';
import { Identifier, Instant, IsoDuration, Principal, ResourceName, RoleName } from '../primitives';

/**
 * The message an upstream ticketing system publishes on the ticketing topic to request access
 * on someone's behalf. The ticketing system is trusted to have authenticated the requester.
 * `eventId` must be unique per request: a redelivered message with the same id has no new effect.
 */
export const TicketingAccessRequest = z.object({
  eventId: z.uuid(),
  schemaVersion: z.literal(1),
  ticket: Identifier,
  requester: Principal,
  resource: ResourceName,
  role: RoleName,
  duration: IsoDuration,
  justification: z.string().min(1).max(2000),
  startAt: Instant.nullable().optional(),
  submittedAt: Instant,
});
export type TicketingAccessRequest = z.infer<typeof TicketingAccessRequest>;
