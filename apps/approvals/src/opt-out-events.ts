import { createEvent, DomainEvent, EventOrigin, EventPayloads } from '@app/contracts';
import { OptOutEmittedType, OptOutOutcome } from '@app/domain';

type OutcomeOf<K extends OptOutEmittedType> = { type: K; data: EventPayloads[K] };

/** The envelopes of a decider's outcomes, in order, all from one origin. */
export function toEnvelopes(outcomes: OptOutOutcome[], origin: EventOrigin): DomainEvent[] {
  return outcomes.map((outcome) => toEnvelope(outcome, origin));
}

// An outcome's type and data were built together, so its envelope is the DomainEvent of that type.
function toEnvelope<K extends OptOutEmittedType>(
  outcome: OutcomeOf<K>,
  origin: EventOrigin,
): DomainEvent {
  return createEvent(outcome.type, outcome.data, origin) as DomainEvent;
}
