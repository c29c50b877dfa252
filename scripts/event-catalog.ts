/**
 * Writes docs/event-catalog.md from the contracts: every topic, every event type with its JSON
 * Schema and an example. `--check` fails when the committed catalog is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventCatalog } from './event-catalog.render';

const target = join(__dirname, '..', '..', 'docs', 'event-catalog.md');
const rendered = renderEventCatalog();

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== rendered) {
    process.stderr.write('docs/event-catalog.md is out of date; run npm run catalog\n');
    process.exit(1);
  }
  process.stdout.write('docs/event-catalog.md is up to date\n');
} else {
  writeFileSync(target, rendered);
  process.stdout.write(`wrote ${target}\n`);
}
