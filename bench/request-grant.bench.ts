// Usage: BENCH_ONLY=request-grant npm run bench (bench.sh starts PostgreSQL and the broker).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Admin, Kafka } from 'kafkajs';
import { Client } from 'pg';
import { mintDevelopmentToken } from '@app/auth';
import { topicName } from '@app/contracts';
import { createKafkaClient, ensureTopics, EventProducer } from '@app/messaging';
import { createDatabaseIfMissing, dropDatabaseIfExists } from '@app/persistence';
import { machineFigures } from './support/bench-report';
import { summarizeLatencies } from './support/bench-stats';
import {
  freePort,
  log,
  positiveFromEnv,
  sizesFromEnv,
  sleep,
  withTimeout,
} from './support/bench-env';
import {
  HOPS,
  LatencyRun,
  RequestGrantReport,
  StageBreakdown,
  summarizeLatencyRuns,
  SweepPoint,
  writeRequestGrantReport,
} from './support/request-grant.report';
import { ServiceProcess } from './support/service-process';
import { deploymentEnvironment, writeCheckpointKey } from './support/service-env';

/**
 * Request to grant: how long an auto-approved access request takes from the HTTP call to the
 * requests service until its grant is in the ledger's current grants, with the requests,
 * approvals and ledger services started from the build as a deployment starts them and requests
 * arriving at a steady rate; next to one raw Kafka hop (the services' producer to a kafkajs
 * consumer with their fetch settings) at the same rate, alternating run by run.
 * Writes bench/results/request-grant.
 */
const config = {
  serverUrl: process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432',
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  runs: positiveFromEnv('BENCH_RUNS', 3),
  samples: positiveFromEnv('BENCH_LATENCY_SAMPLES', 400),
  ratePerSecond: positiveFromEnv('BENCH_LATENCY_RATE', 20),
  /** Offered rates for the load curve: one run each, of BENCH_LATENCY_SWEEP_SECONDS. */
  sweepRates: sizesFromEnv('BENCH_LATENCY_SWEEP', [5, 10, 20, 40, 60]),
  sweepSeconds: positiveFromEnv('BENCH_LATENCY_SWEEP_SECONDS', 10),
  warmUp: positiveFromEnv('BENCH_LATENCY_WARM_UP', 100),
  pollMs: positiveFromEnv('BENCH_LATENCY_POLL_MS', 2),
  resultsDir: process.env.BENCH_RESULTS_DIR ?? 'bench/results',
};

/**
 * A request the shipped policy file approves without an approver (rule
 * engineering-staging-read): an engineer asking to read a staging database for an hour.
 */
const AUTO_APPROVED = {
  resource: 'db:orders-staging',
  role: 'read-only',
  duration: 'PT1H',
  justification: 'request-to-grant latency benchmark',
};
const REQUESTER_GROUPS = ['engineering'];
const SERVICES = ['ledger', 'approvals', 'requests'] as const;
type ServiceName = (typeof SERVICES)[number];
const READY_TIMEOUT_MS = 120_000;
const SETTLE_TIMEOUT_MS = 60_000;
const HOP_PARTITIONS = 12;

const runId = randomBytes(4).toString('hex');

/** Wall-clock milliseconds with a fraction: comparable with the services' own timestamps. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Calls `fire(i)` for i = 0 … count-1 at a steady rate, without waiting for one to finish. The
 * first failure stops the firing and is thrown once the calls in flight have settled, so the
 * caller's cleanup runs rather than the process dying of an unhandled rejection.
 */
async function atSteadyRate(
  count: number,
  perSecond: number,
  fire: (index: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / perSecond;
  const startedAt = now();
  const fired: Promise<void>[] = [];
  let failure: { error: unknown } | null = null;
  for (let index = 0; index < count && failure === null; index += 1) {
    const wait = startedAt + index * intervalMs - now();
    if (wait > 0) await sleep(wait);
    fired.push(
      fire(index).catch((error: unknown) => {
        failure ??= { error };
      }),
    );
  }
  await Promise.all(fired);
  if (failure !== null) throw (failure as { error: unknown }).error;
}

interface Stack {
  databaseUrl: string;
  prefix: string;
  jwtSecret: string;
  services: Record<ServiceName, ServiceProcess>;
  ports: Record<ServiceName, number>;
}

/** One request in flight: when it was sent, when the requests service answered, when seen. */
interface Probe {
  subject: string;
  token: string;
  sentAt: number;
  acceptedAt: number;
  requestId: string;
  grantedAt: number;
}

/**
 * Watches the ledger's current grants for the subjects still waiting, every `pollMs`; the poll
 * interval plus one query is the resolution of every latency it reports.
 */
class CurrentGrantsWatch {
  private readonly waiting = new Map<string, (at: number) => void>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly database: Client) {}

  start(): void {
    this.running = true;
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Resolves with the instant the subject's grant was first seen. */
  seen(subject: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(subject, resolve));
  }

  forget(subject: string): void {
    this.waiting.delete(subject);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      if (this.waiting.size > 0) {
        const result = await this.database.query<{ subject: string }>(
          'SELECT subject FROM ledger.current_grants WHERE subject = ANY($1)',
          [[...this.waiting.keys()]],
        );
        const at = now();
        for (const { subject } of result.rows) {
          this.waiting.get(subject)?.(at);
          this.waiting.delete(subject);
        }
      }
      await sleep(config.pollMs);
    }
  }
}

class RequestGrantBench {
  private round = 0;

  constructor(
    private readonly stack: Stack,
    private readonly ledgerDb: Client,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {}

  /** Auto-approved requests at the steady rate; each timed from its call to its grant. */
  async pipelineRun(count: number, perSecond: number): Promise<Probe[]> {
    const round = (this.round += 1);
    const probes = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const subject = `bench-${runId}-${round}-${index}@example.com`;
        const token = await mintDevelopmentToken({
          secret: this.stack.jwtSecret,
          subject,
          groups: REQUESTER_GROUPS,
          issuer: 'jit-access-dev',
          audience: 'jit-access',
          expiresIn: '2h',
        });
        return { subject, token, sentAt: 0, acceptedAt: 0, requestId: '', grantedAt: 0 };
      }),
    );
    const watch = new CurrentGrantsWatch(this.ledgerDb);
    watch.start();
    try {
      await atSteadyRate(count, perSecond, async (index) => {
        const probe = probes[index]!;
        const granted = watch.seen(probe.subject);
        probe.sentAt = now();
        const response = await fetch(
          `http://127.0.0.1:${this.stack.ports.requests}/access-requests`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(AUTO_APPROVED),
          },
        );
        probe.acceptedAt = now();
        const body = (await response.json()) as { requestId?: string };
        if (response.status !== 202 || !body.requestId) {
          watch.forget(probe.subject);
          throw new Error(`request refused (${response.status}): ${JSON.stringify(body)}`);
        }
        probe.requestId = body.requestId;
        probe.grantedAt = await withTimeout(
          granted,
          SETTLE_TIMEOUT_MS,
          () => `no grant for ${probe.subject} within ${SETTLE_TIMEOUT_MS} ms`,
        );
      });
    } finally {
      await watch.stop();
    }
    return probes;
  }

  /**
   * One Kafka hop at the same rate: the services' producer (idempotent, acks from every in-sync
   * replica, one send per record) to a consumer with their fetch settings, on a topic with as
   * many partitions as the services' topics.
   */
  async hopRun(count: number, perSecond: number): Promise<number[]> {
    const round = (this.round += 1);
    // A fresh topic each run, read from its start, so the first record cannot be missed.
    const topic = `${this.stack.prefix}bench.hop-${round}.v1`;
    await this.admin.createTopics({
      topics: [{ topic, numPartitions: HOP_PARTITIONS }],
      waitForLeaders: true,
    });
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let allArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));
    const consumer = this.kafka.consumer({
      groupId: `${this.stack.prefix}hop-${round}`,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
    });
    const producer = new EventProducer(this.kafka);
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const assigned = this.waitForAssignment(consumer, topic);
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachMessage: async ({ message }) => {
          const at = now();
          const key = message.key?.toString() ?? '';
          const sent = sentAt.get(key);
          if (sent === undefined) return;
          sentAt.delete(key);
          latencies.push(at - sent);
          if (latencies.length === count) allArrived();
        },
      });
      await assigned;
      await atSteadyRate(count, perSecond, async (index) => {
        const key = randomUUID();
        sentAt.set(key, now());
        await producer.send([{ topic, key, value: JSON.stringify({ index, round }) }]);
      });
      await withTimeout(
        arrived,
        SETTLE_TIMEOUT_MS,
        () => `${count - latencies.length} hop records never arrived`,
      );
      return latencies;
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  }

  /**
   * Resolves once the consumer has joined and been handed every partition, so records sent after
   * it are read; asked before `run`, which may join before it returns.
   */
  private async waitForAssignment(
    consumer: ReturnType<Kafka['consumer']>,
    topic: string,
  ): Promise<void> {
    let assigned = 0;
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assigned = event.payload.memberAssignment[topic]?.length ?? 0;
        if (assigned === HOP_PARTITIONS) resolve();
      });
    });
    await withTimeout(
      joined,
      SETTLE_TIMEOUT_MS,
      () => `the hop consumer was assigned ${assigned} of ${HOP_PARTITIONS} partitions`,
    );
  }

  /**
   * `count` requests and `count` hop records at `perSecond`, one after the other; which goes
   * first alternates, so a drift of the machine's load falls on both sides alike.
   */
  async measure(count: number, perSecond: number, requestsFirst: boolean): Promise<LatencyRun> {
    let hop: number[];
    let probes: Probe[];
    if (requestsFirst) {
      probes = await this.pipelineRun(count, perSecond);
      hop = await this.hopRun(count, perSecond);
    } else {
      hop = await this.hopRun(count, perSecond);
      probes = await this.pipelineRun(count, perSecond);
    }
    return {
      requestToGrant: summarizeLatencies(probes.map((probe) => probe.grantedAt - probe.sentAt)),
      httpAccepted: summarizeLatencies(probes.map((probe) => probe.acceptedAt - probe.sentAt)),
      hop: summarizeLatencies(hop),
      stages: await this.stages(probes),
    };
  }

  /**
   * Where each request's time went: the instants the services stamped on the request's and the
   * grant's events, the instants their outbox relays handed them to the producer (the records'
   * CreateTime), and the ledger's entries.
   */
  async stages(probes: Probe[]): Promise<StageBreakdown> {
    const requestIds = probes.map((probe) => probe.requestId);
    const result = await this.ledgerDb.query<{
      partition_key: string;
      event_type: string;
      occurred_at: Date;
      recorded_at: Date;
    }>(
      `SELECT partition_key, event_type, occurred_at, recorded_at FROM ledger.ledger_entries
       WHERE partition_key = ANY($1) AND event_type IN ('AccessRequested', 'GrantIssued')`,
      [requestIds],
    );
    const entries = new Map<string, { requested?: Date; issued?: Date; recorded?: Date }>();
    for (const row of result.rows) {
      const entry = entries.get(row.partition_key) ?? {};
      if (row.event_type === 'AccessRequested') entry.requested = row.occurred_at;
      else {
        entry.issued = row.occurred_at;
        entry.recorded = row.recorded_at;
      }
      entries.set(row.partition_key, entry);
    }
    const sent = await this.sentAt(new Set(requestIds));
    const stages: Record<keyof StageBreakdown, number[]> = {
      accepted: [],
      requestRelayed: [],
      decided: [],
      grantRelayed: [],
      recorded: [],
      visible: [],
    };
    for (const probe of probes) {
      const entry = entries.get(probe.requestId);
      const records = sent.get(probe.requestId);
      if (!entry?.requested || !entry.issued || !entry.recorded) continue;
      if (records?.requested === undefined || records.issued === undefined) continue;
      stages.accepted.push(entry.requested.getTime() - probe.sentAt);
      stages.requestRelayed.push(records.requested - entry.requested.getTime());
      stages.decided.push(entry.issued.getTime() - records.requested);
      stages.grantRelayed.push(records.issued - entry.issued.getTime());
      stages.recorded.push(entry.recorded.getTime() - records.issued);
      stages.visible.push(probe.grantedAt - entry.recorded.getTime());
    }
    return {
      accepted: summarizeLatencies(stages.accepted),
      requestRelayed: summarizeLatencies(stages.requestRelayed),
      decided: summarizeLatencies(stages.decided),
      grantRelayed: summarizeLatencies(stages.grantRelayed),
      recorded: summarizeLatencies(stages.recorded),
      visible: summarizeLatencies(stages.visible),
    };
  }

  /**
   * The CreateTime of each request's AccessRequested and GrantIssued records: the instant the
   * sending relay's producer took them. Read back from the access-events topic after the run,
   * so that reading adds no load while requests are timed.
   */
  private async sentAt(
    requestIds: Set<string>,
  ): Promise<Map<string, { requested?: number; issued?: number }>> {
    const topic = topicName('accessEvents', this.stack.prefix);
    const ends = new Map(
      (await this.admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, entry.high]),
    );
    const read = new Map<number, string>();
    const sent = new Map<string, { requested?: number; issued?: number }>();
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const allRead = () =>
      [...ends].every(([partition, high]) => high === '0' || read.get(partition) === high);
    const consumer = this.kafka.consumer({
      groupId: `${this.stack.prefix}stages-${(this.round += 1)}`,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          read.set(partition, (BigInt(message.offset) + 1n).toString());
          const key = message.key?.toString() ?? '';
          if (requestIds.has(key)) {
            const { type } = JSON.parse(message.value?.toString() ?? '{}') as { type?: string };
            const times = sent.get(key) ?? {};
            if (type === 'AccessRequested') times.requested = Number(message.timestamp);
            if (type === 'GrantIssued') times.issued = Number(message.timestamp);
            sent.set(key, times);
          }
          if (allRead()) done();
        },
      });
      if (!allRead()) {
        await withTimeout(finished, SETTLE_TIMEOUT_MS, () => `could not read ${topic} to its end`);
      }
      return sent;
    } finally {
      await consumer.disconnect();
    }
  }
}

function described(run: LatencyRun): string {
  return (
    `request to grant p50 ${run.requestToGrant.p50.toFixed(1)} ms, p99 ` +
    `${run.requestToGrant.p99.toFixed(1)} ms; one hop p50 ${run.hop.p50.toFixed(1)} ms, p99 ` +
    `${run.hop.p99.toFixed(1)} ms`
  );
}

async function startStack(keyFile: string, kafka: Kafka): Promise<Stack> {
  const environment = deploymentEnvironment(keyFile, config.brokers);
  const base = {
    databaseUrl: `${config.serverUrl}/jit_bench_latency_${runId}`,
    prefix: `bench-latency-${runId}.`,
    jwtSecret: environment.jwtSecret,
  };
  await createDatabaseIfMissing(base.databaseUrl);
  await ensureTopics(kafka, base.prefix);
  const ports = {} as Record<ServiceName, number>;
  const services = {} as Record<ServiceName, ServiceProcess>;
  // One at a time: each runs its own migrations into the shared database on start.
  for (const name of SERVICES) {
    ports[name] = await freePort();
    services[name] = new ServiceProcess({
      name: `the ${name} service`,
      main: `dist/apps/${name}/src/main.js`,
      env: environment.forService({ ...base, port: ports[name] }),
      port: ports[name],
      logFile: join(config.resultsDir, `request-grant.${name}.log`),
    });
    services[name].start();
    await services[name].waitUntilReady(READY_TIMEOUT_MS);
  }
  return { ...base, services, ports };
}

async function stopStack(stack: Stack | null, admin: Admin): Promise<void> {
  if (!stack) return;
  type Step = [string, () => Promise<unknown>];
  const steps: Step[] = [
    ...[...SERVICES]
      .reverse()
      .map((name): Step => [`stop ${name}`, async () => stack.services[name]?.stop()]),
    [
      'delete the topics',
      async () => {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(stack.prefix));
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30000 });
      },
    ],
    ['drop the database', () => dropDatabaseIfExists(stack.databaseUrl)],
  ];
  for (const [what, step] of steps) {
    await step().catch((error: unknown) => log(`cleanup: could not ${what}: ${String(error)}`));
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  await mkdir(config.resultsDir, { recursive: true });
  const key = await writeCheckpointKey('jit-request-grant');
  const kafka = createKafkaClient({
    brokers: config.brokers.split(',').map((broker) => broker.trim()),
    clientId: 'jit-request-grant-bench',
    topicPrefix: '',
  });
  const admin = kafka.admin();
  await admin.connect();
  let stack: Stack | null = null;
  let ledgerDb: Client | null = null;
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void stopStack(stack, admin).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    stack = await startStack(key.file, kafka);
    ledgerDb = new Client({ connectionString: stack.databaseUrl });
    await ledgerDb.connect();
    const version = await ledgerDb.query<{ server_version: string }>('SHOW server_version');
    const machine = machineFigures(version.rows[0]?.server_version ?? 'unknown');
    const bench = new RequestGrantBench(stack, ledgerDb, kafka, admin);

    log(`warm-up: ${config.warmUp} requests and ${config.warmUp} hop records`);
    await bench.pipelineRun(config.warmUp, config.ratePerSecond);
    await bench.hopRun(config.warmUp, config.ratePerSecond);

    const runs: LatencyRun[] = [];
    for (let run = 0; run < config.runs; run += 1) {
      const result = await bench.measure(config.samples, config.ratePerSecond, run % 2 === 0);
      runs.push(result);
      log(`run ${run + 1} at ${config.ratePerSecond}/s: ${described(result)}`);
    }
    const sweep: SweepPoint[] = [];
    for (const [index, rate] of config.sweepRates.entries()) {
      const samples = Math.max(20, rate * config.sweepSeconds);
      const result = await bench.measure(samples, rate, index % 2 === 0);
      sweep.push({ ratePerSecond: rate, samples, ...result });
      log(`load curve at ${rate}/s: ${described(result)}`);
    }

    const report: RequestGrantReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      config: {
        runs: config.runs,
        samples: config.samples,
        ratePerSecond: config.ratePerSecond,
        warmUp: config.warmUp,
        pollMs: config.pollMs,
        hops: HOPS,
        hopPartitions: HOP_PARTITIONS,
        request: AUTO_APPROVED,
        services: [...SERVICES],
        brokers: config.brokers,
        sweepRates: config.sweepRates,
        sweepSeconds: config.sweepSeconds,
      },
      runs,
      sweep,
      summary: summarizeLatencyRuns(runs),
    };
    const written = await writeRequestGrantReport(report, config.resultsDir);
    log(`report: ${written.markdown} and ${written.json}`);
  } finally {
    await ledgerDb?.end().catch(() => undefined);
    await stopStack(stack, admin);
    await admin.disconnect();
    await key.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`request-to-grant bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
