import { Principal } from '@app/contracts';
import { tokenFor } from './tokens';

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** Calls a service as the given user (subject, groups and attributes go into the bearer token). */
export async function callAs<T = any>(
  user: Principal | null,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const authorization: Record<string, string> = user
    ? { authorization: `Bearer ${await tokenFor(user.id, user.groups, user.attributes)}` }
    : {};
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...authorization, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T };
}

/** Fails with the body when the status is not the expected one, so the cause shows in the test. */
export function expectStatus(result: HttpResult, status: number): void {
  if (result.status !== status) {
    throw new Error(`expected ${status}, got ${result.status}: ${JSON.stringify(result.body)}`);
  }
}

export const users = {
  requester: { id: 'u-101', groups: ['sre'] },
  engineer: { id: 'u-105', groups: ['engineering'] },
  dbaOne: { id: 'u-202', groups: ['dba'] },
  dbaTwo: { id: 'u-203', groups: ['dba'] },
  sreOther: { id: 'u-102', groups: ['sre'] },
  auditor: { id: 'u-190', groups: ['security-leads'] },
  securityLead: { id: 'u-191', groups: ['security-leads'] },
  onCallSre: {
    id: 'u-401',
    groups: ['sre'],
    attributes: { onCall: true, training: ['break-glass-2026'] },
  },
  seniorDba: { id: 'u-402', groups: ['dba'], attributes: { seniority: 'senior' } },
  mainframeOperator: { id: 'u-403', groups: ['mainframe-ops'] },
  legacyOwner: { id: 'u-404', groups: ['mainframe-owners'] },
};

export type User = (typeof users)[keyof typeof users];
