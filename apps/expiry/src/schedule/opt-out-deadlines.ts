import { EventPayloads, OptOutDeadline } from '@app/contracts';
import { addDuration, parseDuration } from '@app/domain';

/** The deadlines of an opt-out: its end, and those the approvals service decides on. */
export type OptOutDeadlineKind = 'grant-end' | OptOutDeadline;

export interface PlannedDeadline {
  kind: OptOutDeadlineKind;
  dueAt: Date;
}

export type OptOutSchedulePlan =
  | { ok: true; deadlines: PlannedDeadline[] }
  | { ok: false; deadlines: PlannedDeadline[]; problem: string };

/**
 * Every deadline an activated opt-out sets: its end always, the review, the unused lapse (counted
 * from activation, as if last used then) and the recertification when it has them. A lapse period
 * that is not a duration leaves the other deadlines, and the end above all, in place.
 */
export function planOptOutDeadlines(
  activated: EventPayloads['OptOutActivated'],
): OptOutSchedulePlan {
  const deadlines: PlannedDeadline[] = [{ kind: 'grant-end', dueAt: new Date(activated.endsAt) }];
  if (activated.reviewBy !== null) {
    deadlines.push({ kind: 'review', dueAt: new Date(activated.reviewBy) });
  }
  if (activated.recertifyBy !== null) {
    deadlines.push({ kind: 'recertification', dueAt: new Date(activated.recertifyBy) });
  }
  if (activated.lapseAfterUnused === null) return { ok: true, deadlines };

  const lapse = unusedLapseDue(new Date(activated.activatedAt), activated.lapseAfterUnused);
  if (!lapse.ok) return { ok: false, deadlines, problem: lapse.problem };
  return { ok: true, deadlines: [...deadlines, { kind: 'unused-lapse', dueAt: lapse.dueAt }] };
}

export type LapseDue = { ok: true; dueAt: Date } | { ok: false; problem: string };

/** When an opt-out last used (or activated) at `lastActiveAt` lapses if nobody uses it again. */
export function unusedLapseDue(lastActiveAt: Date, lapseAfterUnused: string): LapseDue {
  const period = parseDuration(lapseAfterUnused);
  if (!period.ok) return { ok: false, problem: `lapseAfterUnused: ${period.error.message}` };
  return { ok: true, dueAt: addDuration(lastActiveAt, period.value.milliseconds) };
}

/**
 * The unused-lapse deadline after a use: a full lapse period after the use, but never earlier than
 * it already is, since uses can be reported out of order.
 */
export function lapseDueAfterUse(
  currentDueAt: Date,
  usedAt: Date,
  lapseAfterUnused: string,
): LapseDue {
  const afterUse = unusedLapseDue(usedAt, lapseAfterUnused);
  if (!afterUse.ok) return afterUse;
  return { ok: true, dueAt: afterUse.dueAt > currentDueAt ? afterUse.dueAt : currentDueAt };
}

/**
 * Whether an opt-out deadline comes too late to mean anything: an unused lapse or recertification
 * at or after the opt-out's end finds it over (a renewal that moves the end past it makes it count
 * again). A review is due after the end by design.
 */
export function outlivesOptOut(kind: OptOutDeadline, dueAt: Date, optOutEndsAt: Date): boolean {
  return kind !== 'review' && dueAt >= optOutEndsAt;
}
