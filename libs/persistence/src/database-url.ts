/** Splits a PostgreSQL URL so the server can be reached without the (maybe missing) database. */
export function describeDatabaseUrl(url: string): { database: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) {
    throw new Error(
      `DATABASE_URL must name a database, e.g. postgres://postgres@127.0.0.1:5432/jit`,
    );
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  return { database, maintenanceUrl: maintenance.toString() };
}
