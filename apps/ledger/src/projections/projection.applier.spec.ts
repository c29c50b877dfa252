import { ProjectionApplier } from './projection.applier';

describe(ProjectionApplier.name, () => {
  it('writes into the ledger schema unless told otherwise', async () => {
    const statements: string[] = [];
    const db = {
      query: (sql: string) => {
        statements.push(sql);
        return Promise.resolve([]);
      },
    };

    await new ProjectionApplier().insertRequestTargets(db, [
      { requestId: 'r-1', subject: 'alice', resource: 'db', role: 'reader' },
    ]);
    await new ProjectionApplier('ledger_replay_q3').insertRequestTargets(db, [
      { requestId: 'r-1', subject: 'alice', resource: 'db', role: 'reader' },
    ]);

    expect(statements[0]).toContain('INSERT INTO ledger.request_targets');
    expect(statements[1]).toContain('INSERT INTO ledger_replay_q3.request_targets');
  });

  it.each(['', 'Ledger', 'ledger; DROP TABLE x', '1ledger', 'a'.repeat(64)])(
    'refuses a schema that is not a plain lowercase identifier: "%s"',
    (schema) => {
      expect(() => new ProjectionApplier(schema)).toThrow(/lowercase SQL identifier/);
    },
  );
});
