import { DomainError } from '@app/platform';

export class UnknownNoticeError extends DomainError {
  constructor(noticeId: string) {
    super('unknown-notice', 404, `notice ${noticeId} is not known`, { noticeId });
  }
}

/** Only the notice's recipient or a security lead of level 0 may acknowledge it. */
export class NotANoticeRecipientError extends DomainError {
  constructor(noticeId: string, caller: string) {
    super(
      'not-a-notice-recipient',
      403,
      `${caller} is neither the recipient of notice ${noticeId} nor a level-0 security lead`,
      { noticeId },
    );
  }
}

/** The person the notice is about cannot be the one who says it was looked at. */
export class OwnNoticeError extends DomainError {
  constructor(noticeId: string, caller: string) {
    super(
      'own-opt-out',
      403,
      `${caller} cannot acknowledge notice ${noticeId}: it is about their own opt-out`,
      { noticeId },
    );
  }
}

export class NoticeAlreadyAcknowledgedError extends DomainError {
  constructor(noticeId: string, acknowledgedBy: string, acknowledgedAt: Date) {
    super(
      'already-acknowledged',
      409,
      `the event of notice ${noticeId} was acknowledged by ${acknowledgedBy} at ` +
        acknowledgedAt.toISOString(),
      { noticeId, acknowledgedBy, acknowledgedAt: acknowledgedAt.toISOString() },
    );
  }
}
