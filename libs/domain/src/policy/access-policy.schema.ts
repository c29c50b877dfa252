import { Identifier, OptOutKind, RoleName } from '@app/contracts';
import { z } from 'zod';
import { ACCEPTED_DURATION_FORM, parseDuration } from '../durations/iso-duration';

/** A duration in the file, read into milliseconds; a bad one is an issue at its own path. */
const DurationField = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? `is required; ${ACCEPTED_DURATION_FORM}`
        : typeof issue.input === 'number'
          ? `a bare number is not read as minutes or milliseconds; ${ACCEPTED_DURATION_FORM}`
          : `must be text; ${ACCEPTED_DURATION_FORM}`,
  })
  .transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error.message, input: text });
      return z.NEVER;
    }
    return parsed.value.milliseconds;
  });

const GroupList = z.array(Identifier);

/** `*` matches any run of characters; everything else must be a character a resource may use. */
export const ResourcePattern = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9*][A-Za-z0-9:._\-/*]*$/, 'must be letters, digits, : . _ - / and *');

const AutoApproveRuleSchema = z.strictObject({
  name: Identifier,
  requesterGroups: GroupList.min(1, 'must name at least one group'),
  maxDuration: DurationField,
  requireTicket: z.boolean().default(false),
});

const RolePolicySchema = z
  .strictObject({
    requesters: z.strictObject({
      groups: GroupList.default([]),
      users: z.array(Identifier).default([]),
    }),
    approvers: z.strictObject({
      groups: GroupList.min(1, 'must name at least one approver group'),
    }),
    approvalsRequired: z.number().int().min(1),
    maxDuration: DurationField.optional(),
    overMaximum: z.enum(['refuse', 'cap']).default('refuse'),
    autoApprove: z.array(AutoApproveRuleSchema).default([]),
  })
  .superRefine((role, ctx) => {
    if (role.requesters.groups.length === 0 && role.requesters.users.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['requesters'],
        message: 'must name at least one group or user, otherwise nobody can request this role',
      });
    }
    reportDuplicates(
      role.autoApprove.map((rule) => rule.name),
      (index) => ['autoApprove', index, 'name'],
      ctx,
    );
  });

const AccessPolicySchema = z.strictObject({
  id: Identifier,
  description: z.string().optional(),
  resources: z.array(ResourcePattern).min(1, 'must list at least one resource pattern'),
  roles: z
    .record(RoleName, RolePolicySchema, {
      error: (issue) =>
        issue.code === 'invalid_key' ? 'role names must be letters, digits and . _ -' : undefined,
    })
    .refine((roles) => Object.keys(roles).length > 0, 'must define at least one role'),
});

/** What is known about resources beyond their names: compliance tags and the legacy flag. */
const ResourceMetadataSchema = z.strictObject({
  match: z.array(ResourcePattern).min(1, 'must list at least one resource pattern'),
  tags: z.array(Identifier).default([]),
  legacy: z.boolean().default(false),
});

const AcceptedAttributeValue = z.union([z.string().max(200), z.boolean(), z.number()]);

const EligibilitySchema = z.strictObject({
  groups: GroupList.min(1, 'must name at least one group'),
  /** Each attribute must be in the token and match one of the accepted values. */
  attributes: z
    .record(
      z.string().min(1).max(100),
      z.array(AcceptedAttributeValue).min(1, 'must accept at least one value'),
    )
    .default({}),
});

const OptOutApprovalSchema = z.strictObject({
  groups: GroupList.min(1, 'must name at least one approver group'),
  approvalsRequired: z.number().int().min(1),
});

const RENEWAL_LIMIT_FORM = 'a whole number of renewals, 0 or more (0: never renewed)';

/**
 * Required, with no default: how long an exception may live at most, (maxRenewals + 1) times
 * maxDuration, is a risk decision for the policy's author, not for the code. A file written before
 * the field existed is refused at start-up naming it, instead of quietly getting a limit nobody
 * chose.
 */
const RenewalLimitField = z
  .number({
    error: (issue) =>
      issue.input === undefined
        ? `is required, so that renewals come to an end; ${RENEWAL_LIMIT_FORM}`
        : `must be ${RENEWAL_LIMIT_FORM}`,
  })
  .int(`must be ${RENEWAL_LIMIT_FORM}`)
  .min(0, `must be ${RENEWAL_LIMIT_FORM}`);

const optOutRuleFields = {
  id: Identifier,
  description: z.string().optional(),
  resources: z.array(ResourcePattern).min(1, 'must list at least one resource pattern'),
  /** All roles when omitted. */
  roles: z.array(RoleName).min(1, 'must name at least one role, or be left out').optional(),
  eligible: EligibilitySchema,
  maxDuration: DurationField,
};

const BreakGlassRuleSchema = z.strictObject({
  ...optOutRuleFields,
  kind: z.literal('break-glass'),
  /** The post-incident review is due this long after the break-glass ends. */
  reviewWithin: DurationField,
});

const StandingExceptionRuleSchema = z.strictObject({
  ...optOutRuleFields,
  kind: z.literal('standing-exception'),
  requireTicket: z.boolean().default(true),
  approval: OptOutApprovalSchema,
  lapseAfterUnused: DurationField,
  /** Renewals by its subject, each with a fresh attestation, before a new one must be asked for. */
  maxRenewals: RenewalLimitField,
});

const LegacyExemptionRuleSchema = z
  .strictObject({
    ...optOutRuleFields,
    kind: z.literal('legacy-exemption'),
    approval: OptOutApprovalSchema.optional(),
    /** The owner is asked to recertify this long before the end. */
    recertifyBefore: DurationField,
    /** Recertifications by its owner before a new exemption must be asked for. */
    maxRenewals: RenewalLimitField,
  })
  .superRefine((rule, ctx) => {
    if (rule.recertifyBefore >= rule.maxDuration) {
      ctx.addIssue({
        code: 'custom',
        path: ['recertifyBefore'],
        message: 'must be shorter than maxDuration, or recertification would be due at the start',
      });
    }
  });

const OptOutRuleSchema = z.discriminatedUnion(
  'kind',
  [BreakGlassRuleSchema, StandingExceptionRuleSchema, LegacyExemptionRuleSchema],
  { error: () => `kind must be one of ${OptOutKind.options.join(', ')}` },
);

const OptOutsSchema = z
  .strictObject({
    securityLeads: z.strictObject({ groups: GroupList.min(1, 'must name at least one group') }),
    usageReporters: z.strictObject({ groups: GroupList }).optional(),
    /** Per resource tag, the opt-out kinds never allowed on resources carrying it. */
    compliance: z
      .record(Identifier, z.strictObject({ forbid: z.array(OptOutKind).min(1) }))
      .default({}),
    rules: z.array(OptOutRuleSchema),
  })
  .superRefine((optOuts, ctx) => {
    reportDuplicates(
      optOuts.rules.map((rule) => rule.id),
      (index) => ['rules', index, 'id'],
      ctx,
    );
  });

export const AccessPolicyFileSchema = z
  .strictObject({
    version: z.literal(1),
    defaults: z.strictObject({
      maxDuration: DurationField,
      decisionTimeout: DurationField,
      maxStartDelay: DurationField,
    }),
    policies: z.array(AccessPolicySchema),
    resources: z.array(ResourceMetadataSchema).default([]),
    optOuts: OptOutsSchema.optional(),
  })
  .superRefine((file, ctx) => {
    reportDuplicates(
      file.policies.map((policy) => policy.id),
      (index) => ['policies', index, 'id'],
      ctx,
    );
  });

/** What a policy file holds, as written. */
export type AccessPolicyFileInput = z.input<typeof AccessPolicyFileSchema>;
/** What a policy file holds once read, with every duration in milliseconds. */
export type AccessPolicyFile = z.output<typeof AccessPolicyFileSchema>;

function reportDuplicates(
  values: string[],
  pathOf: (index: number) => (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) {
      ctx.addIssue({ code: 'custom', path: pathOf(index), message: `duplicate "${value}"` });
    }
    seen.add(value);
  });
}
