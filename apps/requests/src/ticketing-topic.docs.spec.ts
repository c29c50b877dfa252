import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TicketingAccessRequest } from '@app/contracts';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'ticketing-topic.md');

describe('docs/ticketing-topic.md', () => {
  it('shows the JSON schema the ticketing consumer validates against', () => {
    const text = readFileSync(DOC, 'utf8');
    const firstJsonBlock = /```json\n([\s\S]*?)\n```/.exec(text)?.[1];

    expect(JSON.parse(firstJsonBlock ?? 'null')).toEqual(z.toJSONSchema(TicketingAccessRequest));
  });

  it('shows an example that fits the schema', () => {
    const text = readFileSync(DOC, 'utf8');
    const blocks = [...text.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => match[1]);

    expect(TicketingAccessRequest.safeParse(JSON.parse(blocks[1] ?? 'null')).success).toBe(true);
  });
});
