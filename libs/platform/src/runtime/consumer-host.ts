import { Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { ConsumerDefinition, DeadLetterPublisher, EventConsumer } from '@app/messaging';

/** Starts the service's consumers once the app is up and stops them first on shutdown. */
export class ConsumerHost {
  private readonly logger = new Logger(ConsumerHost.name);
  private readonly definitions: ConsumerDefinition<unknown>[] = [];
  private readonly consumers: EventConsumer<unknown>[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  register<T>(definition: ConsumerDefinition<T>): void {
    this.definitions.push(definition as ConsumerDefinition<unknown>);
  }

  async startAll(): Promise<void> {
    for (const definition of this.definitions) {
      const consumer = new EventConsumer(this.kafka, definition, this.deadLetters);
      await consumer.start();
      this.consumers.push(consumer);
      this.logger.log({
        msg: 'consumer started',
        groupId: definition.groupId,
        topics: definition.topics,
      });
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }
}
