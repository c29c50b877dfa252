/**
 * Walks one access request through its whole life against the running stack and prints what
 * happens: domain events, webhook notifications, ledger entries and audit records.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { mintDevelopmentToken } from '@app/auth';
import { topicName } from '@app/contracts';

const env = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  prefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
  secret: process.env.JWT_SECRET ?? '',
  issuer: process.env.JWT_ISSUER ?? 'jit-access-dev',
  audience: process.env.JWT_AUDIENCE ?? 'jit-access',
  duration: process.env.DEMO_DURATION ?? 'PT20S',
};
const urls = {
  requests: 'http://127.0.0.1:3001',
  approvals: 'http://127.0.0.1:3002',
  ledger: 'http://127.0.0.1:3005',
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const time = () => new Date().toISOString().slice(11, 23);

async function token(subject: string, groups: string[]): Promise<string> {
  return mintDevelopmentToken({
    secret: env.secret,
    subject,
    groups,
    issuer: env.issuer,
    audience: env.audience,
    expiresIn: '1h',
  });
}

async function call(method: string, url: string, bearer: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status >= 400)
    throw new Error(`${method} ${url} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

let demoRequestId = '';

function startWebhookReceiver(): Promise<() => void> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const parsed = JSON.parse(body) as {
        eventType?: string;
        summary?: string;
        event?: { partitionKey?: string };
      };
      // Deliveries left over from an earlier run are taken, but only this run's are shown.
      if (parsed.event?.partitionKey === demoRequestId) {
        out(`${time()}  webhook      ${parsed.eventType}: ${parsed.summary ?? ''}`);
      }
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) => {
    server.once('error', () => resolve(() => undefined)); // port taken: run without it
    server.listen(3099, '127.0.0.1', () => resolve(() => server.close()));
  });
}

async function main(): Promise<void> {
  if (env.secret.length < 32) throw new Error('JWT_SECRET is not set; run through npm run demo');
  const requester = await token('u-101', ['engineering']);
  const approver = await token('u-202', ['dba']);
  const auditor = await token('u-190', ['security-leads']);
  const stopReceiver = await startWebhookReceiver();

  const kafka = new Kafka({
    clientId: 'jit-demo',
    brokers: env.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `jit-demo-${randomUUID()}` });
  const accessTopic = topicName('accessEvents', env.prefix);
  const auditTopic = topicName('auditRecords', env.prefix);
  let requestId = '';
  const seen = new Set<string>();

  await consumer.connect();
  await consumer.subscribe({ topics: [accessTopic, auditTopic], fromBeginning: false });
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
  );
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const record = JSON.parse(message.value?.toString('utf8') ?? '{}') as Record<string, any>;
      if (topic === accessTopic) {
        if (record.partitionKey !== requestId) return;
        out(`${time()}  event        ${record.type} from ${record.source}`);
        seen.add(record.type);
      } else if (record.partitionKey === requestId) {
        seen.add(`audit:${record.eventType}`);
        out(
          `${time()}  audit #${record.seq}  ${record.eventType}  hash ${String(record.hash).slice(0, 16)}…  prev ${String(record.prevHash).slice(0, 16)}…`,
        );
      }
    },
  });
  await joined;

  out(`\nu-101 requests read-only on db:orders-prod for ${env.duration}`);
  const created = await call('POST', `${urls.requests}/access-requests`, requester, {
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: env.duration,
    justification: 'Investigate the failed nightly reconciliation',
    ticket: 'INC-4821',
  });
  requestId = String(created.requestId);
  demoRequestId = requestId;
  out(`${time()}  request      ${requestId} is ${created.status}`);

  const pending = await waitFor(async () => {
    const view = await call('GET', `${urls.requests}/access-requests/${requestId}`, requester);
    return view.status === 'pending-approval' ? view : undefined;
  });
  out(`${time()}  request      is ${pending.status}; u-202 (dba) approves`);
  await call('POST', `${urls.approvals}/access-requests/${requestId}/approve`, approver, {
    comment: 'Reconciliation incident INC-4821',
  });

  const granted = await waitFor(async () => {
    const view = await call('GET', `${urls.requests}/access-requests/${requestId}`, requester);
    return view.status === 'granted' ? view : undefined;
  });
  const grant = granted.grant as { grantId: string; startsAt: string; endsAt: string };
  out(`${time()}  grant        ${grant.grantId} from ${grant.startsAt} until ${grant.endsAt}`);
  out(
    `${time()}  ledger       current grants list it: ${await listsGrant(auditor, grant.grantId)}`,
  );
  out(`\nwaiting for the grant to end on its own…`);

  await waitFor(async () => (seen.has('audit:GrantExpired') ? true : undefined), 120000);
  // Another grant of u-101 (from an earlier run) may still cover the access; then none is revoked.
  const revoked = await waitFor(
    async () => (seen.has('audit:AccessRevoked') ? true : undefined),
    5000,
  ).catch(() => false);
  out(
    revoked
      ? `${time()}  expiry       access removed downstream (AccessRevoked)`
      : `${time()}  expiry       access kept: another active grant of u-101 still covers it`,
  );
  out(
    `${time()}  ledger       current grants list it: ${await listsGrant(auditor, grant.grantId)}`,
  );
  const trail = await call('GET', `${urls.ledger}/audit?requestId=${requestId}`, auditor);
  out(`${time()}  audit trail of the request, from the ledger's projection:`);
  for (const record of trail.records as { seq: number; eventType: string; summary: string }[]) {
    out(`               #${record.seq} ${record.eventType}: ${record.summary}`);
  }
  const verified = await call('GET', `${urls.ledger}/ledger/verify`, auditor);
  out(`${time()}  hash chain   ${JSON.stringify(verified)}`);

  await consumer.disconnect();
  stopReceiver();
}

async function listsGrant(auditor: string, grantId: string): Promise<boolean> {
  const current = await call('GET', `${urls.ledger}/grants?subject=u-101&limit=1000`, auditor);
  return JSON.stringify(current).includes(grantId);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the stack did not get there in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
