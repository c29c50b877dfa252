import { describeDatabaseUrl } from './database-url';

describe(describeDatabaseUrl.name, () => {
  it('names the database and a maintenance URL on the same server', () => {
    expect(
      describeDatabaseUrl('postgres://app:secret@db.internal:6543/jit_access?sslmode=require'),
    ).toEqual({
      database: 'jit_access',
      maintenanceUrl: 'postgres://app:secret@db.internal:6543/postgres?sslmode=require',
    });
  });

  it('refuses a URL without a database', () => {
    expect(() => describeDatabaseUrl('postgres://127.0.0.1:5432')).toThrow(/must name a database/);
  });
});
