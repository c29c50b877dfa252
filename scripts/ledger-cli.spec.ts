import { AccessThrough } from '../apps/ledger/src/investigations/investigation-questions';
import { accessAtRows, CliIo, EXIT, heldRows, runLedgerCli } from './ledger-cli';

function bufferedIo(): CliIo & { written: { out: string; err: string } } {
  const written = { out: '', err: '' };
  return {
    written,
    out: (text) => (written.out += text),
    err: (text) => (written.err += text),
    env: {},
  };
}

// An opt-out scheduled to 12:00 and revoked at 10:30.
const revokedEarly: AccessThrough = {
  grantId: '6f1c2b0e-5d3a-4c8e-9b7a-1e2d3c4b5a69',
  requestId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  kind: 'break-glass',
  startsAt: '2026-12-03T10:00:00.000Z',
  endsAt: '2026-12-03T12:00:00.000Z',
  endedAt: '2026-12-03T10:30:00.000Z',
  approvers: [],
  automatic: false,
  policyId: 'break-glass',
  issuedSeq: 7,
};

describe(runLedgerCli.name, () => {
  it.each([
    ['replay', '--schema', 'incident-4830'],
    ['drop-replay', '--schema', 'Incident'],
    ['who-had', '--resource', 'db:orders-prod', '--at', '2026-12-03T10:00:00Z', '--schema', '4830'],
  ])(
    'refuses a bad replay name as bad usage, before reaching any database: %s',
    async (...argv) => {
      const io = bufferedIo();

      const code = await runLedgerCli(argv, io);

      expect(code).toBe(EXIT.usage);
      expect(io.written.err).toContain('lowercase letters, digits and _');
    },
  );
});

describe(accessAtRows.name, () => {
  it('shows the scheduled end and the actual end apart, as the JSON answer does', () => {
    const rows = accessAtRows({
      resource: 'db:orders-prod',
      at: '2026-12-03T10:15:00.000Z',
      holders: [
        {
          subject: 'u-101',
          resource: 'db:orders-prod',
          role: 'admin',
          since: revokedEarly.startsAt,
          until: revokedEarly.endedAt!,
          through: [revokedEarly],
        },
      ],
    });

    expect(rows).toEqual([
      expect.objectContaining({
        endsAt: '2026-12-03T12:00:00.000Z',
        endedAt: '2026-12-03T10:30:00.000Z',
      }),
    ]);
  });
});

describe(heldRows.name, () => {
  it('shows the scheduled end and the actual end apart, as the JSON answer does', () => {
    const rows = heldRows({
      subject: 'u-101',
      from: '2026-12-03T00:00:00.000Z',
      to: '2026-12-04T00:00:00.000Z',
      held: [
        {
          resource: 'db:orders-prod',
          role: 'admin',
          periods: [{ from: revokedEarly.startsAt, until: revokedEarly.endedAt! }],
          through: [revokedEarly],
        },
      ],
    });

    expect(rows).toEqual([
      expect.objectContaining({
        endsAt: '2026-12-03T12:00:00.000Z',
        endedAt: '2026-12-03T10:30:00.000Z',
      }),
    ]);
  });
});
