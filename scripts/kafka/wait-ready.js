// Waits until the broker at KAFKA_BROKERS accepts metadata, topic and produce requests.
// A bare open port is not enough: a KRaft broker listens before its metadata log is loaded.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const once = process.argv.includes('--once');
const timeoutArg = process.argv.indexOf('--timeout');
const timeoutSeconds = timeoutArg > 0 ? Number(process.argv[timeoutArg + 1]) : 60;
const probeTopic = 'jit.readiness-probe';

async function probe() {
  const kafka = new Kafka({
    clientId: 'jit-readiness-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.describeCluster();
    const topics = await admin.listTopics();
    if (!topics.includes(probeTopic)) {
      await admin.createTopics({ topics: [{ topic: probeTopic, numPartitions: 1 }], waitForLeaders: true });
    }
    await producer.connect();
    await producer.send({ topic: probeTopic, messages: [{ value: 'ready' }] });
    return true;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function main() {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    try {
      await probe();
      process.exit(0);
    } catch (error) {
      if (once || Date.now() > deadline) {
        process.stderr.write(`broker at ${brokers.join(',')} is not ready: ${error.message}\n`);
        process.exit(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

void main();
