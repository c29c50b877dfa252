export * from './topics';
export * from './primitives';
export * from './events/payloads';
export * from './events/envelope';
export * from './events/event-factory';
export * from './events/event-decoder';
export * from './events/event-examples';
export * from './ticketing/ticketing-access-request';
