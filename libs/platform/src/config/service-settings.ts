import { ServiceName } from '@app/contracts';
import { ServiceRuntimeOptions } from '../runtime/service-runtime.options';

/** The parsed values of `commonEnv` plus the service's HTTP port. */
export interface CommonEnvValues {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  LOG_LEVEL: string;
  HTTP_HOST: string;
  HTTP_PORT: number;
}

export interface ServiceSettings {
  runtime: Omit<ServiceRuntimeOptions, 'migrations' | 'clock'>;
  logLevel: string;
  http: { host: string; port: number };
}

/** What every service derives the same way from the common variables; its schema is its name. */
export function serviceSettings(service: ServiceName, values: CommonEnvValues): ServiceSettings {
  return {
    runtime: {
      service,
      schema: service,
      databaseUrl: values.DATABASE_URL,
      databasePoolSize: values.DATABASE_POOL_SIZE,
      messaging: {
        brokers: values.KAFKA_BROKERS,
        clientId: `jit-${service}`,
        topicPrefix: values.KAFKA_TOPIC_PREFIX,
      },
    },
    logLevel: values.LOG_LEVEL,
    http: { host: values.HTTP_HOST, port: values.HTTP_PORT },
  };
}
