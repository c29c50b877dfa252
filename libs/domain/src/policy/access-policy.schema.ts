import { Identifier, RoleName } from '@app/contracts';
import { z } from 'zod';
import { ACCEPTED_DURATION_FORM, parseDuration } from '../durations/iso-duration';

/** A duration in the file, read into milliseconds; a bad one is an issue at its own path. */
const DurationField = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
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

export const AccessPolicyFileSchema = z
  .strictObject({
    version: z.literal(1),
    defaults: z.strictObject({
      maxDuration: DurationField,
      decisionTimeout: DurationField,
      maxStartDelay: DurationField,
    }),
    policies: z.array(AccessPolicySchema),
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
