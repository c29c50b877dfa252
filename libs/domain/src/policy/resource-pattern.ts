/** Whether a resource matches a glob pattern in which `*` matches any run of characters. */
export function matchesResourcePattern(pattern: string, resource: string): boolean {
  return toRegExp(pattern).test(resource);
}

function toRegExp(pattern: string): RegExp {
  const literalRuns = pattern.split('*').map((run) => run.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(`^${literalRuns.join('.*')}$`, 's');
}
