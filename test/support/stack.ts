import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceName } from '@app/contracts';
import { Clock, SystemClock } from '@app/domain';
import { createKafkaClient, ensureTopics } from '@app/messaging';
import { TopicNames } from '@app/platform';
import { ApprovalsModule } from '../../apps/approvals/src/approvals.module';
import { loadApprovalsConfig } from '../../apps/approvals/src/approvals.config';
import { ExpiryModule } from '../../apps/expiry/src/expiry.module';
import { loadExpiryConfig } from '../../apps/expiry/src/expiry.config';
import { LedgerModule } from '../../apps/ledger/src/ledger.module';
import { loadLedgerConfig } from '../../apps/ledger/src/ledger.config';
import { NotificationsModule } from '../../apps/notifications/src/notifications.module';
import { loadNotificationsConfig } from '../../apps/notifications/src/notifications.config';
import { RequestsModule } from '../../apps/requests/src/requests.module';
import { loadRequestsConfig } from '../../apps/requests/src/requests.config';
import { testCheckpointKey } from './checkpoint-key';
import { RunningService, startService } from './service-app';
import { createTestNamespace, TestNamespace, testBrokers } from './test-namespace';
import { testAuth } from './tokens';
import { TopicProbe } from './topic-probe';

export const ALL_SERVICES: ServiceName[] = [
  'ledger',
  'expiry',
  'notifications',
  'approvals',
  'requests',
];
export const testWebhookSecret = 'test-webhook-signing-secret-of-32-characters';

export interface StackOptions {
  name: string;
  /** Policy YAML; the shared test fixture when omitted. */
  policyFile?: string;
  policyYaml?: string;
  clock?: Clock;
  /** Extra environment for every service, then per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  services?: ServiceName[];
}

type Env = Record<string, string>;

/**
 * The five services in this process, sharing one test namespace (topics, groups and database),
 * each on its own free port, against the real broker and PostgreSQL. Services can be stopped and
 * started again to test restarts.
 */
export class TestStack {
  readonly running = new Map<ServiceName, RunningService>();
  readonly extra: RunningService[] = [];
  readonly probe = new TopicProbe();
  readonly topics: TopicNames;
  readonly clock: Clock;
  private readonly policyFile: string;

  private constructor(
    readonly namespace: TestNamespace,
    private readonly options: StackOptions,
  ) {
    this.topics = new TopicNames(namespace.prefix);
    this.clock = options.clock ?? new SystemClock();
    this.policyFile =
      options.policyFile ?? join(__dirname, '..', 'fixtures', 'access-policies.yaml');
    if (options.policyYaml) {
      const dir = mkdtempSync(join(tmpdir(), 'jit-policy-'));
      this.policyFile = join(dir, 'access-policies.yaml');
      writeFileSync(this.policyFile, options.policyYaml);
    }
  }

  static async start(options: StackOptions): Promise<TestStack> {
    const stack = new TestStack(createTestNamespace(options.name), options);
    const kafka = createKafkaClient({
      brokers: testBrokers,
      clientId: 'test-stack',
      topicPrefix: stack.topics.prefix,
    });
    await ensureTopics(kafka, stack.topics.prefix);
    await stack.probe.watch([
      stack.topics.accessEvents,
      stack.topics.auditRecords,
      stack.topics.deadLetters,
    ]);
    for (const service of options.services ?? ALL_SERVICES) await stack.startService(service);
    return stack;
  }

  url(service: ServiceName): string {
    const running = this.running.get(service);
    if (!running) throw new Error(`${service} is not running`);
    return running.url;
  }

  env(service: ServiceName): Env {
    return {
      DATABASE_URL: this.namespace.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      KAFKA_BROKERS: testBrokers.join(','),
      KAFKA_TOPIC_PREFIX: this.namespace.prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      JWT_SECRET: testAuth.jwtSecret,
      JWT_ISSUER: testAuth.issuer,
      JWT_AUDIENCE: testAuth.audience,
      POLICY_FILE: this.policyFile,
      EXPIRY_POLL_INTERVAL_MS: '100',
      NOTIFICATIONS_POLL_INTERVAL_MS: '100',
      WEBHOOK_SIGNING_SECRET: testWebhookSecret,
      NOTIFICATION_WEBHOOKS: '[]',
      LEDGER_CHECKPOINT_KEY: testCheckpointKey.privatePem,
      ...this.options.env,
      ...this.options.serviceEnv?.[service],
    };
  }

  /** Starts a service; a second call for a running service starts another instance of it. */
  async startService(service: ServiceName, envOverrides: Env = {}): Promise<RunningService> {
    const running = await startService(
      this.moduleFor(service, { ...this.env(service), ...envOverrides }),
      service,
    );
    if (this.running.has(service)) this.extra.push(running);
    else this.running.set(service, running);
    return running;
  }

  async stopService(service: ServiceName): Promise<void> {
    await this.running.get(service)?.close();
    this.running.delete(service);
  }

  async close(): Promise<void> {
    await this.probe.close();
    for (const running of this.extra.splice(0)) await running.close();
    for (const service of [...this.running.keys()].reverse()) await this.stopService(service);
    await this.namespace.drop();
  }

  private moduleFor(service: ServiceName, env: Env) {
    const overrides = { clock: this.clock };
    switch (service) {
      case 'requests':
        return RequestsModule.forRoot(loadRequestsConfig(env), overrides);
      case 'approvals':
        return ApprovalsModule.forRoot(loadApprovalsConfig(env), overrides);
      case 'expiry':
        return ExpiryModule.forRoot(loadExpiryConfig(env), overrides);
      case 'notifications':
        return NotificationsModule.forRoot(loadNotificationsConfig(env), overrides);
      case 'ledger':
        return LedgerModule.forRoot(loadLedgerConfig(env), overrides);
    }
  }
}
