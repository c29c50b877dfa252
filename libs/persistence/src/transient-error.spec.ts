import { isTransientDatabaseError } from './transient-error';

describe(isTransientDatabaseError.name, () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a connection exception class 08', Object.assign(new Error('x'), { code: '08006' })],
    ['a server shutting down', Object.assign(new Error('x'), { code: '57P01' })],
    ['a serialization failure', Object.assign(new Error('x'), { code: '40001' })],
    ['a deadlock', Object.assign(new Error('x'), { code: '40P01' })],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
  ])('treats %s as transient', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it('looks through the wrapper TypeORM puts around driver errors', () => {
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: Object.assign(new Error('x'), { code: '57P03' }),
    });

    expect(isTransientDatabaseError(wrapped)).toBe(true);
  });

  it('looks inside an AggregateError from a dual-stack connect', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1'), { code: 'ECONNREFUSED' });

    expect(isTransientDatabaseError(new AggregateError([inner], ''))).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('x'), { code: '23505' })],
    ['bad input syntax', Object.assign(new Error('x'), { code: '22P02' })],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['nothing at all', undefined],
  ])('treats %s as permanent', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});
