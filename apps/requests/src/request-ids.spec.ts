import { httpRequestId, ticketingRequestId } from './request-ids';

describe('request ids', () => {
  it('derives the same id from the same requester and idempotency key', () => {
    expect(httpRequestId('u-101', 'retry-me')).toBe(httpRequestId('u-101', 'retry-me'));
  });

  it('derives different ids for different requesters using the same key', () => {
    expect(httpRequestId('u-101', 'retry-me')).not.toBe(httpRequestId('u-102', 'retry-me'));
  });

  it('keeps requester and key apart, whatever characters they hold', () => {
    expect(httpRequestId('a', 'bc')).not.toBe(httpRequestId('ab', 'c'));
  });

  it('gives a fresh id to every request without a key', () => {
    expect(httpRequestId('u-101', null)).not.toBe(httpRequestId('u-101', null));
  });

  it('derives the same id from the same ticketing event id', () => {
    const eventId = '0d9b3c8e-2f4a-4b6c-9d1e-3f5a7b9c1d2e';

    expect(ticketingRequestId(eventId)).toBe(ticketingRequestId(eventId.toUpperCase()));
    expect(ticketingRequestId(eventId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(ticketingRequestId(eventId)).not.toBe(eventId);
  });
});
