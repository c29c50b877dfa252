import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@app/domain';
import {
  createKafkaClient,
  DeadLetterPublisher,
  ensureTopics,
  EventProducer,
  OutboxRelay,
  OutboxWriter,
} from '@app/messaging';
import { createServiceDataSource, prepareDatabase } from '@app/persistence';
import { HEALTH_CHECKS, HealthCheck, HealthController } from '../health/health.controller';
import { databaseHealthCheck, kafkaHealthCheck } from '../health/standard-checks';
import { jsonBodiesOnly } from '../http/json-only.middleware';
import { loggingModule } from '../logging/logging.module';
import { ConsumerHost } from './consumer-host';
import { KAFKA, RUNTIME_OPTIONS, ServiceRuntimeOptions } from './service-runtime.options';
import { TopicNames } from './topic-names';
import { TransactionalOutbox } from './transactional-outbox';

/**
 * What every service needs, wired the same way: its database (created and migrated at start),
 * Kafka (topics ensured), the transactional outbox and its relay, dead-lettering, the consumers,
 * the clock, logging and the health endpoint. Services import it with their own options.
 */
@Global()
@Module({})
export class ServiceRuntimeModule
  implements NestModule, OnApplicationBootstrap, BeforeApplicationShutdown
{
  constructor(
    private readonly relay: OutboxRelay,
    private readonly consumers: ConsumerHost,
    private readonly producer: EventProducer,
    private readonly dataSource: DataSource,
    @Inject(HEALTH_CHECKS) private readonly healthChecks: HealthCheck[],
  ) {}

  static forRoot(options: ServiceRuntimeOptions, logLevel: string): DynamicModule {
    return {
      module: ServiceRuntimeModule,
      imports: [loggingModule(options.service, logLevel)],
      controllers: [HealthController],
      providers: [
        { provide: RUNTIME_OPTIONS, useValue: options },
        { provide: CLOCK, useValue: options.clock },
        { provide: TopicNames, useValue: new TopicNames(options.messaging.topicPrefix) },
        {
          provide: DataSource,
          useFactory: async () => {
            const dataSource = createServiceDataSource({
              url: options.databaseUrl,
              schema: options.schema,
              migrations: options.migrations,
              poolSize: options.databasePoolSize,
              applicationName: `jit-${options.service}`,
            });
            await prepareDatabase(dataSource, options.databaseUrl, options.schema, {
              sessionRole: options.databaseRole,
            });
            return dataSource;
          },
        },
        {
          provide: KAFKA,
          useFactory: async () => {
            const kafka = createKafkaClient(options.messaging);
            await ensureTopics(kafka, options.messaging.topicPrefix);
            return kafka;
          },
        },
        {
          provide: EventProducer,
          inject: [KAFKA],
          useFactory: (kafka: Kafka) => new EventProducer(kafka),
        },
        {
          provide: OutboxWriter,
          inject: [TopicNames],
          useFactory: (topics: TopicNames) => new OutboxWriter(options.schema, topics.accessEvents),
        },
        {
          provide: OutboxRelay,
          inject: [DataSource, EventProducer],
          useFactory: (dataSource: DataSource, producer: EventProducer) =>
            new OutboxRelay(dataSource, producer, { schema: options.schema }),
        },
        {
          provide: TransactionalOutbox,
          inject: [DataSource, OutboxWriter, OutboxRelay],
          useFactory: (dataSource: DataSource, writer: OutboxWriter, relay: OutboxRelay) =>
            new TransactionalOutbox(dataSource, writer, relay, options.schema),
        },
        {
          provide: DeadLetterPublisher,
          inject: [EventProducer, TopicNames, CLOCK],
          useFactory: (producer: EventProducer, topics: TopicNames, clock: Clock) =>
            new DeadLetterPublisher(producer, topics.deadLetters, options.service, () =>
              clock.now(),
            ),
        },
        {
          provide: ConsumerHost,
          inject: [KAFKA, DeadLetterPublisher],
          useFactory: (kafka: Kafka, deadLetters: DeadLetterPublisher) =>
            new ConsumerHost(kafka, deadLetters),
        },
        {
          provide: HEALTH_CHECKS,
          inject: [DataSource, KAFKA],
          useFactory: (dataSource: DataSource, kafka: Kafka) => [
            databaseHealthCheck(dataSource),
            kafkaHealthCheck(kafka),
          ],
        },
      ],
      exports: [
        RUNTIME_OPTIONS,
        CLOCK,
        TopicNames,
        DataSource,
        KAFKA,
        EventProducer,
        TransactionalOutbox,
        OutboxRelay,
        DeadLetterPublisher,
        ConsumerHost,
        HEALTH_CHECKS,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(jsonBodiesOnly).forRoutes('*');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
    this.relay.start();
    await this.consumers.startAll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumers.stopAll();
    await this.relay.stop();
    await this.producer.disconnect();
    await Promise.all(this.healthChecks.map((check) => check.close?.() ?? Promise.resolve()));
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
