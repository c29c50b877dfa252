/** What runs SQL and resolves to the rows: a TypeORM DataSource or EntityManager, or a wrapper. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}
