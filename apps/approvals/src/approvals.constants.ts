/** The policy set, read from the policy file once at start-up. */
export const POLICIES = Symbol('POLICIES');

/** The name under which handled access events are recorded in processed_events. */
export const ACCESS_EVENTS_HANDLER = 'access-events';
