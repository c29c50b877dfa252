/**
 * Tells apart database failures that may pass (the server restarting, a dropped connection, a
 * serialization conflict) from ones that will fail again the same way (a constraint, bad data).
 * Consumers retry the first kind without limit and give up on the second.
 */
const TRANSIENT_SQLSTATE_PREFIXES = ['08', '53', '57P', '58'];
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (is )?not (yet )?open/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /query read timeout/i,
  /the database system is (starting up|shutting down)/i,
];

export function isTransientDatabaseError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const candidate = current as { code?: unknown; message?: unknown; driverError?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (code.length === 5 && TRANSIENT_SQLSTATE_PREFIXES.some((p) => code.startsWith(p))) {
      return true;
    }
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // TypeORM wraps driver errors; AggregateError (from net) holds the real ones.
    const nested = (current as AggregateError).errors;
    if (Array.isArray(nested) && nested.some((inner) => isTransientDatabaseError(inner))) {
      return true;
    }
    current = candidate.driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}
