import { z } from 'zod';
import {
  EventExamples,
  EventPayloadSchemas,
  EventTypes,
  TicketingAccessRequest,
  TopicPartitions,
  Topics,
  TopicKey,
} from '@app/contracts';

const topicPurpose: Record<TopicKey, string> = {
  accessEvents:
    'Every domain event of the access lifecycle and of opt-outs. Key: the request or opt-out id.',
  ticketingRequests: 'Inbound requests from ticketing systems (not enveloped; see below).',
  deadLetters: 'RecordDeadLettered envelopes for records that can never be processed.',
  auditRecords: 'One record per ledger entry, in ledger order, with seq, hash and prevHash.',
};

const eventPurpose: Record<(typeof EventTypes)[number], { producer: string; meaning: string }> = {
  AccessRequested: {
    producer: 'requests',
    meaning: 'Someone asked for access; the request passed the policy pre-check.',
  },
  AccessRequestRefused: {
    producer: 'requests, approvals',
    meaning: 'A request was refused under the policy; the reason and, for durations, the maximum.',
  },
  ApprovalRequested: {
    producer: 'approvals',
    meaning: 'A request waits for approvals: which groups, how many, by when.',
  },
  ApprovalRecorded: { producer: 'approvals', meaning: 'One approver approved; the count so far.' },
  RequestApproved: {
    producer: 'approvals',
    meaning: 'The request reached its quorum, or was approved automatically by a policy rule.',
  },
  RequestDenied: {
    producer: 'approvals',
    meaning: 'An approver denied the request; it is resolved.',
  },
  RequestDeadlinePassed: {
    producer: 'expiry',
    meaning: 'A pending request reached its decision deadline (input for approvals).',
  },
  RequestExpired: {
    producer: 'approvals',
    meaning: 'Nobody decided a pending request in time; it is resolved as expired.',
  },
  GrantIssued: {
    producer: 'approvals',
    meaning: 'Access is granted for an exact window [startsAt, endsAt).',
  },
  GrantExpired: {
    producer: 'expiry',
    meaning:
      'A grant reached its end. coveringGrantIds lists grants that still give the same access.',
  },
  AccessRevoked: {
    producer: 'expiry',
    meaning:
      'The last grant covering subject, resource and role ended: remove the access downstream.',
  },
  RecordDeadLettered: {
    producer: 'any consumer',
    meaning:
      'A record that can never be processed, with its source topic, partition, offset and reason.',
  },
  OptOutRequested: {
    producer: 'approvals',
    meaning:
      'Someone asked for a break-glass, standing exception or legacy exemption; the outcome follows.',
  },
  OptOutRefused: {
    producer: 'approvals',
    meaning:
      'An opt-out was refused; `rule` is the path in the policy file (or the request field) that refused it.',
  },
  OptOutApprovalRecorded: {
    producer: 'approvals',
    meaning: 'A security lead approved an opt-out; the count so far.',
  },
  OptOutDenied: { producer: 'approvals', meaning: 'A security lead denied an opt-out.' },
  OptOutActivated: {
    producer: 'approvals',
    meaning: 'An opt-out gives access for [startsAt, endsAt), with its review or lapse terms.',
  },
  OptOutRenewed: {
    producer: 'approvals',
    meaning: 'An opt-out was renewed (or recertified) with a fresh attestation; its new end.',
  },
  OptOutUsed: {
    producer: 'approvals',
    meaning: 'An opt-out was reported used, which keeps a standing exception from lapsing.',
  },
  OptOutLapsed: {
    producer: 'approvals',
    meaning: 'A standing exception went unused for its lapse period and ended.',
  },
  OptOutRevoked: { producer: 'approvals', meaning: 'Someone revoked an opt-out before its end.' },
  OptOutExpired: {
    producer: 'expiry',
    meaning: 'An opt-out reached its end. coveringGrantIds lists what still gives the same access.',
  },
  OptOutDeadlinePassed: {
    producer: 'expiry',
    meaning:
      'A lapse, review or recertification deadline of an opt-out came (input for approvals).',
  },
  BreakGlassReviewOverdue: {
    producer: 'approvals',
    meaning: 'Nobody completed a break-glass post-incident review by its deadline.',
  },
  BreakGlassReviewed: {
    producer: 'approvals',
    meaning: 'A security lead completed the post-incident review of a break-glass.',
  },
  BreakGlassEligibilitySuspended: {
    producer: 'approvals',
    meaning: 'A person may not break glass until their overdue reviews are done.',
  },
  BreakGlassEligibilityRestored: {
    producer: 'approvals',
    meaning: 'The last overdue review of a person was done; they may break glass again.',
  },
  LegacyExemptionRecertificationDue: {
    producer: 'approvals',
    meaning: 'The owner of a legacy exemption must recertify it before it ends.',
  },
  AnomalyDetected: {
    producer: 'ledger',
    meaning: 'The anomaly detector found something unusual in the ledger; rule, reason and score.',
  },
  NoticeEscalated: {
    producer: 'notifications',
    meaning: 'A notice went unacknowledged or undelivered and went to the next recipients.',
  },
  NoticeAcknowledged: {
    producer: 'notifications',
    meaning: 'A recipient acknowledged a notice, which stops its escalation.',
  },
};

function jsonSchema(schema: z.ZodType): string {
  return JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any' }), null, 2);
}

export function renderEventCatalog(): string {
  const lines: string[] = [
    '# Event catalog',
    '',
    'Generated from `libs/contracts` by `npm run catalog`; do not edit by hand.',
    '',
    '## Topics',
    '',
    '| topic | partitions | carries |',
    '|---|---|---|',
    ...(Object.keys(Topics) as TopicKey[]).map(
      (key) => `| \`${Topics[key]}\` | ${TopicPartitions[key]} | ${topicPurpose[key]} |`,
    ),
    '',
    'A deployment may prefix every topic name (`KAFKA_TOPIC_PREFIX`).',
    '',
    '## The envelope',
    '',
    'Every event on `jit.access.events.v1` and `jit.deadletter.v1` is a JSON object:',
    '',
    '| field | meaning |',
    '|---|---|',
    '| `id` | UUID of the event; consumers are idempotent on it |',
    '| `type` | one of the event types below |',
    '| `time` | when it happened, ISO-8601 UTC |',
    '| `source` | the service that emitted it |',
    "| `partitionKey` | the Kafka key: the request id, so one request's events stay in order |",
    "| `correlationId` | shared by every event of one request's life |",
    '| `causationId` | the id of the event that caused this one, or null |',
    '| `schemaVersion` | 1 |',
    '| `data` | the payload, by type |',
    '',
    '## Event types',
    '',
  ];

  for (const type of EventTypes) {
    const purpose = eventPurpose[type];
    lines.push(
      `### ${type}`,
      '',
      `${purpose.meaning} Emitted by: ${purpose.producer}.`,
      '',
      '<details><summary>JSON Schema of <code>data</code></summary>',
      '',
      '```json',
      jsonSchema(EventPayloadSchemas[type]),
      '```',
      '',
      '</details>',
      '',
      'Example `data`:',
      '',
      '```json',
      JSON.stringify(EventExamples[type], null, 2),
      '```',
      '',
    );
  }

  lines.push(
    '## Ticketing request (`jit.ticketing.requests.v1`)',
    '',
    'Published by ticketing systems; not enveloped. Redelivery of the same `eventId` has no new effect.',
    '',
    '```json',
    jsonSchema(TicketingAccessRequest),
    '```',
    '',
  );
  return lines.join('\n');
}
