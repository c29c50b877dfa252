import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { HealthCheck } from './health.controller';

export function databaseHealthCheck(dataSource: DataSource): HealthCheck {
  return { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) };
}

/** Asks the cluster for its metadata over a short-lived admin connection. */
export function kafkaHealthCheck(kafka: Kafka): HealthCheck {
  return {
    name: 'kafka',
    check: async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    },
  };
}
