import { z } from 'zod';
import { Instant } from '@app/contracts';

const MAX_PERIOD_MS = 366 * 86_400_000;

export const OptOutReportQueryFields = z.object({
  from: Instant.describe('start of the period, inclusive, ISO-8601 UTC'),
  to: Instant.describe('end of the period, exclusive, ISO-8601 UTC'),
  format: z.enum(['json', 'text']).default('json').describe('text: a Markdown summary'),
});

export const OptOutReportQuery = OptOutReportQueryFields.refine(
  (query) => Date.parse(query.from) < Date.parse(query.to),
  { message: 'must be after from', path: ['to'] },
).refine((query) => Date.parse(query.to) - Date.parse(query.from) <= MAX_PERIOD_MS, {
  message: 'the period may be at most 366 days long',
  path: ['to'],
});
export type OptOutReportQuery = z.infer<typeof OptOutReportQuery>;
