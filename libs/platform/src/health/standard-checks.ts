import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { HealthCheck } from './health.controller';

export function databaseHealthCheck(dataSource: DataSource): HealthCheck {
  return { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) };
}

/**
 * Asks the cluster for its metadata over one admin connection kept between checks, since
 * /health is polled; a failed check drops the connection so the next one starts afresh.
 */
export function kafkaHealthCheck(kafka: Kafka): HealthCheck {
  const admin = kafka.admin();
  let connected: Promise<void> | null = null;
  const drop = async () => {
    if (connected === null) return;
    connected = null;
    await admin.disconnect().catch(() => undefined);
  };
  return {
    name: 'kafka',
    check: async () => {
      try {
        connected ??= admin.connect();
        await connected;
        await admin.describeCluster();
      } catch (error) {
        await drop();
        throw error;
      }
    },
    close: drop,
  };
}
