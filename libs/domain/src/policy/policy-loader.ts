import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { AccessPolicyFile, AccessPolicyFileSchema } from './access-policy.schema';
import { AccessPolicy, PolicySet, RolePolicy } from './policy-set';

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
  };
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
