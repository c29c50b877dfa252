import { z } from 'zod';
import { ValidationFailedError } from './domain-error';
import { ZodPipe } from './zod-body.pipe';

describe(ZodPipe.name, () => {
  const pipe = new ZodPipe(
    z.object({ duration: z.string(), nested: z.object({ n: z.number() }) }).strict(),
  );

  it('returns the parsed value when it is valid', () => {
    expect(pipe.transform({ duration: 'PT1H', nested: { n: 1 } })).toEqual({
      duration: 'PT1H',
      nested: { n: 1 },
    });
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      pipe.transform({ nested: { n: 'one' }, extra: true });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationFailedError);
    const fields = (error as ValidationFailedError).problems.map((problem) => problem.field);
    expect(fields).toEqual(expect.arrayContaining(['duration', 'nested.n', '(body)']));
    expect((error as ValidationFailedError).status).toBe(400);
    const duration = (error as ValidationFailedError).problems.find((p) => p.field === 'duration');
    expect(duration?.reason).toBe('is required');
  });
});
