import { Logger } from '@nestjs/common';
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { MessagingConfig } from './messaging-config';

// kafkajs logs through its own creator; route it to the service's logger with structured fields.
function kafkaLogCreator() {
  const logger = new Logger('KafkaClient');
  return ({ level, log }: LogEntry) => {
    const { message, ...fields } = log;
    if (level === logLevel.ERROR) logger.error({ ...fields, msg: message });
    else if (level === logLevel.WARN) logger.warn({ ...fields, msg: message });
  };
}

export function createKafkaClient(config: MessagingConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => kafkaLogCreator(),
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5000 },
  });
}
