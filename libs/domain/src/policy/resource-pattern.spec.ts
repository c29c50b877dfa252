import { matchesResourcePattern } from './resource-pattern';

describe(matchesResourcePattern.name, () => {
  it.each([
    ['db:orders-*', 'db:orders-prod'],
    ['db:orders-*', 'db:orders-'],
    ['db:*-staging', 'db:orders-staging'],
    ['*', 'console:aws-prod'],
    ['console:aws-prod', 'console:aws-prod'],
    ['db:*:*', 'db:eu:orders'],
  ])('%s matches %s', (pattern, resource) => {
    expect(matchesResourcePattern(pattern, resource)).toBe(true);
  });

  it.each([
    ['db:orders-*', 'db:payments-prod'],
    ['db:orders-*', 'xdb:orders-prod'],
    ['db:*-staging', 'db:orders-staging-2'],
    ['console:aws-prod', 'console:aws-prod-eu'],
    ['db:orders.prod', 'db:ordersXprod'],
    ['DB:orders-*', 'db:orders-prod'],
  ])('%s does not match %s', (pattern, resource) => {
    expect(matchesResourcePattern(pattern, resource)).toBe(false);
  });
});
