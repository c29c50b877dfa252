import { FieldProblem, openApiSchema, ValidationFailedError, ZodPipe } from '@app/platform';
import { OptOutReport, OptOutReportQuery } from './reports.schemas';

function problemsOf(query: Record<string, string>): FieldProblem[] {
  try {
    new ZodPipe(OptOutReportQuery).transform(query);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.problems;
    throw error;
  }
  return [];
}

describe('OptOutReportQuery', () => {
  const from = '2026-12-01T00:00:00.000Z';

  it('accepts a period of up to 366 days, as JSON by default', () => {
    const query = OptOutReportQuery.parse({ from, to: '2027-12-02T00:00:00.000Z' });

    expect(query).toEqual({ from, to: '2027-12-02T00:00:00.000Z', format: 'json' });
  });

  it('refuses a period that ends before it starts', () => {
    expect(problemsOf({ from, to: '2026-11-30T00:00:00.000Z' })).toEqual([
      { field: 'to', reason: 'must be after from' },
    ]);
  });

  it('refuses a period longer than 366 days', () => {
    expect(problemsOf({ from, to: '2027-12-02T00:00:00.001Z' })).toEqual([
      { field: 'to', reason: 'the period may be at most 366 days long' },
    ]);
  });

  it('names only the instant that does not parse, without comparing the period', () => {
    expect(problemsOf({ from: 'yesterday', to: '2026-12-02T00:00:00.000Z' })).toEqual([
      { field: 'from', reason: 'must be an ISO-8601 UTC instant' },
    ]);
    expect(problemsOf({ from, to: 'soon' })).toEqual([
      { field: 'to', reason: 'must be an ISO-8601 UTC instant' },
    ]);
    expect(problemsOf({ to: 'soon' }).map((problem) => problem.field)).toEqual(['from', 'to']);
  });

  it('still compares the period when only the format is bad', () => {
    expect(problemsOf({ from, to: from, format: 'pdf' })).toEqual([
      { field: 'format', reason: expect.any(String) },
      { field: 'to', reason: 'must be after from' },
    ]);
  });
});

describe('OptOutReport', () => {
  it('documents every section of the report', () => {
    const schema = openApiSchema(OptOutReport) as { required: string[] };

    expect(schema.required).toEqual([
      'period',
      'entries',
      'totals',
      'byKind',
      'byTeam',
      'byResource',
      'refusalsByReason',
      'reviews',
      'anomaliesByRule',
      'optOuts',
    ]);
  });
});
