import { z } from 'zod';
import { Identifier, Instant, IsoDuration, Principal, ResourceName, RoleName } from '../primitives';

/**
 * The governed exceptions to just-in-time access. Every opt-out names whose access it gives, ends
 * at an instant, and is keyed on the topic by its `optOutId`.
 */
export const OptOutKind = z.enum(['break-glass', 'standing-exception', 'legacy-exemption']);
export type OptOutKind = z.infer<typeof OptOutKind>;

const OptOutAccess = {
  optOutId: z.uuid(),
  kind: OptOutKind,
  subject: Identifier,
  resource: ResourceName,
  role: RoleName,
};

const Reference = Identifier.nullable();
const CompensatingControls = z.array(z.string().min(1).max(500)).max(20);

export const OptOutApprovalRule = z.object({
  approverGroups: z.array(Identifier).min(1),
  approvalsRequired: z.number().int().min(1),
});

/** Recorded for every opt-out asked for, eligible or not; the outcome follows as its own event. */
export const OptOutRequested = z.object({
  optOutId: z.uuid(),
  kind: OptOutKind,
  requester: Principal,
  resource: ResourceName,
  role: RoleName,
  duration: IsoDuration,
  justification: z.string().min(1).max(2000),
  /** The incident a break-glass answers. */
  incident: Reference,
  /** The change or ticket a standing exception is for. */
  ticket: Reference,
  /** The person answerable for a legacy exemption. */
  owner: Reference,
  compensatingControls: CompensatingControls,
  /** The eligibility rule that matched, when one did. */
  ruleId: Identifier.nullable(),
  maximumDuration: IsoDuration.nullable(),
  /** Who must approve before it is active; null when nothing has to be approved. */
  approval: OptOutApprovalRule.nullable(),
  requestedAt: Instant,
});

export const OptOutRefusalReason = z.enum([
  'no-opt-out-rule',
  'forbidden-by-compliance-tag',
  'not-eligible',
  'attribute-not-met',
  'incident-required',
  'ticket-required',
  'owner-required',
  /** A legacy exemption's owner answers for it and recertifies it, so is never its requester. */
  'owner-is-requester',
  'compensating-controls-required',
  'not-a-legacy-resource',
  'duration-exceeds-maximum',
  'eligibility-suspended',
]);
export type OptOutRefusalReason = z.infer<typeof OptOutRefusalReason>;

export const OptOutRefused = z.object({
  optOutId: z.uuid(),
  kind: OptOutKind,
  requester: Principal,
  resource: ResourceName,
  role: RoleName,
  duration: IsoDuration,
  reason: OptOutRefusalReason,
  /**
   * What refused it, as a path a reader can follow: into the policy file (`compliance.pci`,
   * `prod-break-glass.maxDuration`, `resources`) or, for what the kind always needs, the rule id
   * and the missing request field (`prod-break-glass.incident`, `mainframe-legacy.owner`).
   */
  rule: Identifier,
  message: z.string(),
  maximumDuration: IsoDuration.nullable(),
  refusedAt: Instant,
});

export const OptOutApprovalRecorded = z.object({
  optOutId: z.uuid(),
  approver: Identifier,
  comment: z.string().nullable(),
  approvalsCount: z.number().int().min(1),
  approvalsRequired: z.number().int().min(1),
  recordedAt: Instant,
});

export const OptOutDenied = z.object({
  optOutId: z.uuid(),
  deniedBy: Identifier,
  comment: z.string().nullable(),
  deniedAt: Instant,
});

/** The opt-out gives access from `startsAt` until `endsAt`; the expiry service ends it. */
export const OptOutActivated = z.object({
  ...OptOutAccess,
  startsAt: Instant,
  endsAt: Instant,
  duration: IsoDuration,
  ruleId: Identifier,
  justification: z.string(),
  approvers: z.array(Identifier),
  incident: Reference,
  ticket: Reference,
  owner: Reference,
  compensatingControls: CompensatingControls,
  /** Break-glass: when the post-incident review must be done by. */
  reviewBy: Instant.nullable(),
  /** Standing exception: it lapses after going unused this long. */
  lapseAfterUnused: IsoDuration.nullable(),
  /** Legacy exemption: when the owner is asked to recertify it. */
  recertifyBy: Instant.nullable(),
  activatedAt: Instant,
});

/** An explicit renewal with a fresh attestation (or the owner's recertification). */
export const OptOutRenewed = z.object({
  ...OptOutAccess,
  renewedBy: Identifier,
  attestation: z.string().min(1).max(2000),
  previousEndsAt: Instant,
  endsAt: Instant,
  duration: IsoDuration,
  recertifyBy: Instant.nullable(),
  renewedAt: Instant,
});

/** A report that the opt-out was used, which keeps a standing exception from lapsing. */
export const OptOutUsed = z.object({
  optOutId: z.uuid(),
  reportedBy: Identifier,
  usedAt: Instant,
});

/** A standing exception nobody used for its lapse period; the person is back to normal JIT. */
export const OptOutLapsed = z.object({
  ...OptOutAccess,
  uses: z.number().int().min(0),
  lastUsedAt: Instant.nullable(),
  unusedFor: IsoDuration,
  lapsedAt: Instant,
});

export const OptOutRevoked = z.object({
  ...OptOutAccess,
  revokedBy: Identifier,
  reason: z.string().min(1).max(2000),
  revokedAt: Instant,
});

/** Emitted by the expiry service at the end instant. */
export const OptOutExpired = z.object({
  ...OptOutAccess,
  endedAt: Instant,
  /** Active grants or opt-outs that still give the same access; when non-empty, access stays. */
  coveringGrantIds: z.array(z.uuid()),
});

export const OptOutDeadline = z.enum(['unused-lapse', 'review', 'recertification']);
export type OptOutDeadline = z.infer<typeof OptOutDeadline>;

/** Emitted by the expiry schedule; the approvals service decides what it means. */
export const OptOutDeadlinePassed = z.object({
  optOutId: z.uuid(),
  deadline: OptOutDeadline,
  dueAt: Instant,
});

export const BreakGlassReviewOverdue = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  resource: ResourceName,
  role: RoleName,
  incident: Reference,
  reviewBy: Instant,
  overdueAt: Instant,
});

export const BreakGlassReviewed = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  reviewer: Identifier,
  outcome: z.enum(['justified', 'unjustified']),
  notes: z.string().min(1).max(4000),
  /** True when the review came after its deadline. */
  late: z.boolean(),
  reviewedAt: Instant,
});

/** The person may not break glass again until their overdue reviews are done. */
export const BreakGlassEligibilitySuspended = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  suspendedAt: Instant,
});

export const BreakGlassEligibilityRestored = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  restoredAt: Instant,
});

export const LegacyExemptionRecertificationDue = z.object({
  ...OptOutAccess,
  owner: Identifier,
  endsAt: Instant,
  dueAt: Instant,
});

export const AnomalyRule = z.enum([
  'opt-out-frequency-above-baseline',
  'break-glass-outside-hours',
  'first-access-to-resource',
  'repeated-maximum-duration',
  'standing-exception-unused',
  'mutual-approvals',
  'approval-too-fast',
]);
export type AnomalyRule = z.infer<typeof AnomalyRule>;

/** Found by the ledger's anomaly detector while following the ledger in sequence order. */
export const AnomalyDetected = z.object({
  anomalyId: z.uuid(),
  rule: AnomalyRule,
  /** 0 (barely unusual) to 1 (as unusual as the rule can tell). */
  score: z.number().min(0).max(1),
  reason: z.string().min(1).max(2000),
  subject: Identifier,
  team: Identifier.nullable(),
  resource: ResourceName.nullable(),
  /** The opt-outs and requests the anomaly is about; the first is the event's partition key. */
  relatedIds: z.array(z.uuid()).min(1),
  /** The ledger entry whose arrival revealed it. */
  ledgerSeq: z.number().int().min(1),
  detectedAt: Instant,
});

export const NoticeSeverity = z.enum(['info', 'high', 'critical']);
export type NoticeSeverity = z.infer<typeof NoticeSeverity>;

/** A notice nobody acknowledged in time, or whose delivery failed, went to the next level. */
export const NoticeEscalated = z.object({
  noticeId: z.uuid(),
  eventId: z.uuid(),
  eventType: Identifier,
  severity: NoticeSeverity,
  reason: z.enum(['unacknowledged', 'delivery-failed']),
  fromLevel: z.number().int().min(0),
  toLevel: z.number().int().min(1),
  recipients: z.array(Identifier),
  escalatedAt: Instant,
});

export const NoticeAcknowledged = z.object({
  noticeId: z.uuid(),
  eventId: z.uuid(),
  eventType: Identifier,
  acknowledgedBy: Identifier,
  acknowledgedAt: Instant,
});

export const OptOutPayloadSchemas = {
  OptOutRequested,
  OptOutRefused,
  OptOutApprovalRecorded,
  OptOutDenied,
  OptOutActivated,
  OptOutRenewed,
  OptOutUsed,
  OptOutLapsed,
  OptOutRevoked,
  OptOutExpired,
  OptOutDeadlinePassed,
  BreakGlassReviewOverdue,
  BreakGlassReviewed,
  BreakGlassEligibilitySuspended,
  BreakGlassEligibilityRestored,
  LegacyExemptionRecertificationDue,
  AnomalyDetected,
  NoticeEscalated,
  NoticeAcknowledged,
} as const;

export type OptOutEventType = keyof typeof OptOutPayloadSchemas;
export const OptOutEventTypes = Object.keys(OptOutPayloadSchemas) as OptOutEventType[];
