import { ServiceName } from '@app/contracts';
import { Clock } from '@app/domain';
import { MessagingConfig } from '@app/messaging';

export interface ServiceRuntimeOptions {
  service: ServiceName;
  /** The PostgreSQL schema the service owns. */
  schema: string;
  databaseUrl: string;
  databasePoolSize: number;
  /** A role the service's connections act as after the migrations (see `prepareDatabase`). */
  databaseRole?: string;
  // TypeORM takes migration classes as constructors.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  messaging: MessagingConfig;
  clock: Clock;
}

export const RUNTIME_OPTIONS = Symbol('RUNTIME_OPTIONS');
export const KAFKA = Symbol('KAFKA');
