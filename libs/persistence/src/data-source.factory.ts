import { DataSource, DataSourceOptions, MixedList } from 'typeorm';

export interface ServiceDataSourceOptions {
  url: string;
  /** Each service owns one PostgreSQL schema; its tables and migration history live there. */
  schema: string;
  // TypeORM's own type for migration lists; classes or glob paths.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName: string;
}

export function buildDataSourceOptions(options: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    migrations: options.migrations,
    migrationsTableName: `${options.schema}_migrations`,
    migrationsTransactionMode: 'each',
    // The schema is changed by migrations only, never derived from entities at run time.
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    applicationName: options.applicationName,
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      // Without these a query on a dead TCP connection can hang for minutes.
      keepAlive: true,
      query_timeout: 30000,
    },
  };
}

export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource(buildDataSourceOptions(options));
}
