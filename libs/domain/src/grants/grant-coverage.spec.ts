import { GrantWindow, findCoveringGrants } from './grant-coverage';

const ELEVEN = new Date('2026-12-03T11:00:00.000Z');

function aGrant(
  grantId: string,
  startsAt: string,
  endsAt: string,
  overrides: Partial<GrantWindow> = {},
): GrantWindow {
  return {
    grantId,
    subject: 'u-1',
    resource: 'db:orders-prod',
    role: 'read-only',
    startsAt: new Date(`2026-12-03T${startsAt}:00.000Z`),
    endsAt: new Date(`2026-12-03T${endsAt}:00.000Z`),
    ...overrides,
  };
}

describe(findCoveringGrants.name, () => {
  const ending = aGrant('g-ending', '10:00', '11:00');

  it('finds a grant that overlaps the end', () => {
    const overlapping = aGrant('g-2', '10:50', '12:00');

    expect(findCoveringGrants(ending, [overlapping], ELEVEN)).toEqual([overlapping]);
  });

  it('finds a grant that starts exactly when the other ends, leaving no gap', () => {
    const next = aGrant('g-2', '11:00', '12:00');

    expect(findCoveringGrants(ending, [next], ELEVEN)).toEqual([next]);
  });

  it('ignores a grant that ends exactly when the other ends', () => {
    const sameEnd = aGrant('g-2', '10:30', '11:00');

    expect(findCoveringGrants(ending, [sameEnd], ELEVEN)).toEqual([]);
  });

  it('ignores a grant that starts after the end', () => {
    const later = aGrant('g-2', '11:01', '12:00');

    expect(findCoveringGrants(ending, [later], ELEVEN)).toEqual([]);
  });

  it('ignores the ending grant itself', () => {
    const itself = aGrant('g-ending', '10:00', '12:00');

    expect(findCoveringGrants(ending, [itself], ELEVEN)).toEqual([]);
  });

  it.each([
    ['subject', { subject: 'u-2' }],
    ['resource', { resource: 'db:orders-staging' }],
    ['role', { role: 'db-admin' }],
  ])('ignores a grant for another %s', (_field, difference) => {
    const other = aGrant('g-2', '10:50', '12:00', difference);

    expect(findCoveringGrants(ending, [other], ELEVEN)).toEqual([]);
  });

  it('finds every covering grant, in the order given', () => {
    const first = aGrant('g-2', '09:00', '13:00');
    const second = aGrant('g-3', '11:00', '11:30');
    const unrelated = aGrant('g-4', '12:00', '13:00');

    expect(findCoveringGrants(ending, [first, unrelated, second], ELEVEN)).toEqual([first, second]);
  });
});
