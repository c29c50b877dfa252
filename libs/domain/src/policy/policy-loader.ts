import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { AccessPolicyFile, AccessPolicyFileSchema } from './access-policy.schema';
import { AccessPolicy, OptOutPolicies, OptOutRule, PolicySet, RolePolicy } from './policy-set';

/** A policy file that cannot be used; the message names the file and every problem in it. */
export class PolicyFileError extends Error {
  constructor(
    readonly sourceName: string,
    readonly problems: string[],
  ) {
    super(`policy file ${sourceName} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = PolicyFileError.name;
  }
}

export function loadPolicyFile(path: string): PolicySet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyFileError(path, [`cannot be read: ${(error as Error).message}`]);
  }

  return parsePolicySet(text, path);
}

export function parsePolicySet(yamlText: string, sourceName: string): PolicySet {
  const document = parseDocument(yamlText, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new PolicyFileError(
      sourceName,
      document.errors.map((error) => `not valid YAML: ${error.message}`),
    );
  }

  const result = AccessPolicyFileSchema.safeParse(document.toJS());
  if (!result.success) {
    throw new PolicyFileError(sourceName, result.error.issues.map(describeIssue));
  }

  return toPolicySet(result.data, sourceName);
}

function toPolicySet(file: AccessPolicyFile, source: string): PolicySet {
  return {
    source,
    defaults: {
      maxDurationMs: file.defaults.maxDuration,
      decisionTimeoutMs: file.defaults.decisionTimeout,
      maxStartDelayMs: file.defaults.maxStartDelay,
    },
    policies: file.policies.map(toAccessPolicy),
    resources: file.resources.map((entry) => ({
      match: entry.match,
      tags: entry.tags,
      legacy: entry.legacy,
    })),
    optOuts: file.optOuts === undefined ? null : toOptOutPolicies(file.optOuts),
  };
}

function toOptOutPolicies(optOuts: NonNullable<AccessPolicyFile['optOuts']>): OptOutPolicies {
  const compliance: OptOutPolicies['compliance'] = {};
  for (const [tag, rule] of Object.entries(optOuts.compliance)) {
    compliance[tag] = { forbid: rule.forbid };
  }
  return {
    securityLeads: optOuts.securityLeads,
    usageReporters: optOuts.usageReporters ?? { groups: [] },
    compliance,
    rules: optOuts.rules.map(toOptOutRule),
  };
}

function toOptOutRule(rule: NonNullable<AccessPolicyFile['optOuts']>['rules'][number]): OptOutRule {
  const base = {
    id: rule.id,
    description: rule.description ?? null,
    resources: rule.resources,
    roles: rule.roles ?? null,
    eligible: rule.eligible,
    maxDurationMs: rule.maxDuration,
  };
  switch (rule.kind) {
    case 'break-glass':
      return { ...base, kind: rule.kind, approval: null, reviewWithinMs: rule.reviewWithin };
    case 'standing-exception':
      return {
        ...base,
        kind: rule.kind,
        requireTicket: rule.requireTicket,
        approval: rule.approval,
        lapseAfterUnusedMs: rule.lapseAfterUnused,
        maxRenewals: rule.maxRenewals,
      };
    case 'legacy-exemption':
      return {
        ...base,
        kind: rule.kind,
        approval: rule.approval ?? null,
        recertifyBeforeMs: rule.recertifyBefore,
        maxRenewals: rule.maxRenewals,
      };
    default:
      return unreachable(rule);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled opt-out rule ${JSON.stringify(value)}`);
}

function toAccessPolicy(policy: AccessPolicyFile['policies'][number]): AccessPolicy {
  const roles: Record<string, RolePolicy> = {};
  for (const [role, definition] of Object.entries(policy.roles)) {
    roles[role] = {
      role,
      requesters: definition.requesters,
      approvers: definition.approvers,
      approvalsRequired: definition.approvalsRequired,
      maxDurationMs: definition.maxDuration ?? null,
      overMaximum: definition.overMaximum,
      autoApprove: definition.autoApprove.map((rule) => ({
        name: rule.name,
        requesterGroups: rule.requesterGroups,
        maxDurationMs: rule.maxDuration,
        requireTicket: rule.requireTicket,
      })),
    };
  }
  return {
    id: policy.id,
    description: policy.description ?? null,
    resources: policy.resources,
    roles,
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

// Written the way a reader finds it in the file: policies[0].roles.read-only.maxDuration
function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) {
    return '(top level)';
  }
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}
