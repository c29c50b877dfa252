import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '@app/contracts';
import { renderEventCatalog } from './event-catalog.render';

describe('renderEventCatalog', () => {
  it('documents every event type', () => {
    const catalog = renderEventCatalog();

    for (const type of EventTypes) expect(catalog).toContain(`### ${type}`);
  });

  it('matches the committed docs/event-catalog.md', () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'event-catalog.md'), 'utf8');

    expect(committed).toBe(renderEventCatalog());
  });
});
