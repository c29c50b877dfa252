export interface GrantWindow {
  grantId: string;
  subject: string;
  resource: string;
  role: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * The other grants that still give the same access at `at`, so access must stay when `ending`
 * ends. A grant starting exactly at `at` covers it: there is no moment without access.
 */
export function findCoveringGrants(
  ending: GrantWindow,
  others: GrantWindow[],
  at: Date,
): GrantWindow[] {
  const instant = at.getTime();
  return others.filter(
    (other) =>
      other.grantId !== ending.grantId &&
      other.subject === ending.subject &&
      other.resource === ending.resource &&
      other.role === ending.role &&
      other.startsAt.getTime() <= instant &&
      instant < other.endsAt.getTime(),
  );
}
