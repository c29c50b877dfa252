/**
 * Walks one access request through its whole life against the running stack and prints what
 * happens: domain events, webhook notifications, ledger entries and audit records. Then an on-call
 * engineer breaks glass, and it prints the notice the security leads receive (chat and e-mail),
 * the revocation and the post-incident review.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { SMTPServer } from 'smtp-server';
import { mintDevelopmentToken } from '@app/auth';
import { Principal, topicName } from '@app/contracts';
import { deleteConsumerGroups } from '@app/messaging';

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

async function token(
  subject: string,
  groups: string[],
  attributes?: Principal['attributes'],
): Promise<string> {
  return mintDevelopmentToken({
    secret: env.secret,
    subject,
    groups,
    attributes,
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
let demoOptOutId = '';

interface ChatMessage {
  text: string;
  blocks?: { text?: { text?: string } }[];
}

/** Prints a chat notice about this run's break-glass as a chat tool would show it. */
function showChatNotice(message: ChatMessage): void {
  const body = (message.blocks ?? []).map((block) => block.text?.text ?? '').join('\n');
  if (!demoOptOutId || !body.includes(demoOptOutId)) return;
  out(`${time()}  chat         ${message.text}`);
  // The activation's notice in full; the others by their first line.
  if (!message.text.includes('OptOutActivated')) return;
  for (const line of body.split('\n')) out(`               ${line}`);
}

function startWebhookReceiver(): Promise<() => void> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url === '/chat') {
        showChatNotice(JSON.parse(body) as ChatMessage);
        response.writeHead(200).end();
        return;
      }
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

/** An inbox on 127.0.0.1:2525 (SMTP_URL of the stack) that prints the subject of this run's mail. */
function startMailInbox(): Promise<() => void> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
        const to = session.envelope.rcptTo.map((recipient) => recipient.address).join(', ');
        // Soft line breaks of quoted-printable bodies would hide the id otherwise.
        if (demoOptOutId && raw.replace(/=\r\n/g, '').includes(demoOptOutId)) {
          out(`${time()}  e-mail       to ${to}: ${subject}`);
        }
        callback();
      });
    },
  });
  return new Promise((resolve) => {
    server.server.once('error', () => resolve(() => undefined)); // port taken: run without it
    server.listen(2525, '127.0.0.1', () => resolve(() => server.close()));
  });
}

async function main(): Promise<void> {
  if (env.secret.length < 32) throw new Error('JWT_SECRET is not set; run through npm run demo');
  const requester = await token('u-101', ['engineering']);
  const approver = await token('u-202', ['dba']);
  const auditor = await token('u-190', ['security-leads']);
  const stopReceiver = await startWebhookReceiver();
  const stopInbox = await startMailInbox();

  const kafka = new Kafka({
    clientId: 'jit-demo',
    brokers: env.brokers,
    logLevel: logLevel.NOTHING,
  });
  const groupId = `jit-demo-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
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
        if (record.partitionKey !== requestId && record.partitionKey !== demoOptOutId) return;
        out(`${time()}  event        ${record.type} from ${record.source}`);
        seen.add(record.type);
      } else if (record.partitionKey === requestId && requestId !== '') {
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

  await breakGlass(auditor, seen);

  const verified = await call('GET', `${urls.ledger}/ledger/verify`, auditor);
  out(`${time()}  hash chain   ${JSON.stringify(verified)}`);

  await consumer.disconnect();
  // The demo's group is its own; left behind, every run would add one.
  await deleteConsumerGroups(kafka, [groupId]);
  stopReceiver();
  stopInbox();
}

/**
 * An on-call SRE breaks glass during an incident: active at once, no approval. The security
 * leads are told at once; one of them revokes it when the incident is over and reviews it.
 */
async function breakGlass(lead: string, seen: Set<string>): Promise<void> {
  const sre = await token('u-401', ['sre'], { onCall: true, training: ['break-glass-2026'] });
  out(`\nu-401 (sre, on call) breaks glass: db-admin on db:orders-prod for PT30M, INC-4830`);
  const activated = await call('POST', `${urls.approvals}/opt-outs/break-glass`, sre, {
    resource: 'db:orders-prod',
    role: 'db-admin',
    duration: 'PT30M',
    justification: 'Checkout is failing: the orders_2026_11 index is corrupted',
    incident: 'INC-4830',
  });
  demoOptOutId = String(activated.optOutId);
  const window = activated.window as { startsAt: string; endsAt: string };
  out(`${time()}  break-glass  ${demoOptOutId} is ${activated.status} until ${window.endsAt}`);
  out(`${time()}  review       due by ${String(activated.reviewBy)}`);

  await waitFor(async () => (seen.has('OptOutActivated') ? true : undefined));
  // The notice to the security leads arrives on the demo's chat and mail receivers above.
  await new Promise((resolve) => setTimeout(resolve, 3000));

  out(`${time()}  u-190 (security lead) revokes it: the incident is over`);
  await call('POST', `${urls.approvals}/opt-outs/${demoOptOutId}/revoke`, lead, {
    reason: 'INC-4830 resolved',
  });
  await waitFor(async () => (seen.has('OptOutRevoked') ? true : undefined));
  out(`${time()}  u-190 completes the post-incident review`);
  await call('POST', `${urls.approvals}/opt-outs/${demoOptOutId}/review`, lead, {
    outcome: 'justified',
    notes: 'Index rebuilt under INC-4830; access used only for the rebuild',
  });
  await waitFor(async () => (seen.has('BreakGlassReviewed') ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 1500));
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
