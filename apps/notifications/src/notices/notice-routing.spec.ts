import { join } from 'node:path';
import { loadNoticeRouting, NoticeRoutingError, parseNoticeRouting } from './notice-routing';

const VALID = `
version: 1
recipients:
  - { id: u-900, name: Ada Lead, email: ada@example.test, chatWebhookUrl: 'https://chat.example.test/hooks/a' }
  - { id: u-901, name: Ben Lead, webhookUrl: 'https://pager.example.test/jit' }
  - { id: ciso, name: The CISO, email: ciso@example.test }
levels:
  - recipients: [u-900, u-901]
  - recipients: [ciso]
severities:
  info: { channels: [chat] }
  high: { channels: [chat, email], acknowledgeWithin: PT1H }
  critical: { channels: [chat, email, webhook, chat], acknowledgeWithin: PT15M }
links:
  baseUrls: { approvals: 'https://approvals.example.test' }
`;

function problemsOf(yaml: string): string[] {
  try {
    parseNoticeRouting(yaml, 'routing.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(NoticeRoutingError);
    return (error as NoticeRoutingError).problems;
  }
  throw new Error('expected the routing file to be refused');
}

describe(parseNoticeRouting.name, () => {
  it('reads recipients, levels, channels and timeouts per severity, and base URLs', () => {
    const routing = parseNoticeRouting(VALID, 'routing.yaml');

    expect(routing.levels).toEqual([['u-900', 'u-901'], ['ciso']]);
    expect(routing.recipients.get('u-900')).toEqual({
      id: 'u-900',
      name: 'Ada Lead',
      email: 'ada@example.test',
      chatWebhookUrl: 'https://chat.example.test/hooks/a',
    });
    expect(routing.severities).toEqual({
      info: { channels: ['chat'], acknowledgeWithinMs: null },
      high: { channels: ['chat', 'email'], acknowledgeWithinMs: 3_600_000 },
      critical: { channels: ['chat', 'email', 'webhook'], acknowledgeWithinMs: 900_000 },
    });
    expect(routing.baseUrls).toEqual({ approvals: 'https://approvals.example.test' });
  });

  it('leaves links relative when the file names no base URL', () => {
    const routing = parseNoticeRouting(VALID.replace(/links:[\s\S]*$/, ''), 'routing.yaml');

    expect(routing.baseUrls).toEqual({});
  });

  it('names the path of every bad entry', () => {
    const problems = problemsOf(
      VALID.replace('ada@example.test', 'not-an-address')
        .replace('acknowledgeWithin: PT1H', 'acknowledgeWithin: 60')
        .replace(
          'info: { channels: [chat] }',
          'info: { channels: [pager], acknowledgeWithin: PT1H }',
        ),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^recipients\[0\]\.email: /),
        expect.stringMatching(/^severities\.high\.acknowledgeWithin: /),
        expect.stringMatching(
          /^severities\.info\.channels\[0\]: must be one of chat, email, webhook/,
        ),
      ]),
    );
  });

  it('names a level recipient that is not listed', () => {
    expect(problemsOf(VALID.replace('[ciso]', '[ciso, u-999]'))).toEqual([
      'levels[1].recipients[1]: "u-999" is not a listed recipient',
    ]);
  });

  it('refuses an acknowledgement timeout on info and requires one on high and critical', () => {
    const problems = problemsOf(
      VALID.replace(
        'info: { channels: [chat] }',
        'info: { channels: [chat], acknowledgeWithin: PT1H }',
      ).replace(', acknowledgeWithin: PT15M', ''),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^severities\.info\.acknowledgeWithin: /),
      expect.stringMatching(/^severities\.critical\.acknowledgeWithin: is required/),
    ]);
  });

  it('refuses a recipient listed twice or in two levels', () => {
    const problems = problemsOf(
      VALID.replace('[u-900, u-901]', '[u-900, u-901, ciso]').replace(
        '- { id: ciso, name: The CISO, email: ciso@example.test }',
        '- { id: ciso, name: The CISO }\n  - { id: ciso, name: Again }',
      ),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^recipients\[3\]\.id: "ciso" is used by another recipient/),
      expect.stringMatching(/^levels\[1\]\.recipients\[0\]: "ciso" is already in level 0/),
    ]);
  });

  it('refuses YAML that does not parse and unknown keys', () => {
    expect(problemsOf('recipients: [')).toEqual([expect.stringMatching(/^not valid YAML/)]);
    expect(problemsOf(`${VALID}\nescalate: true\n`)).toEqual([expect.stringContaining('escalate')]);
  });

  it('reads the example routing file shipped with the service', () => {
    const routing = loadNoticeRouting(
      join(__dirname, '..', '..', 'notification-routing.example.yaml'),
    );

    expect(routing.levels).toEqual([['u-900', 'u-901'], ['ciso']]);
  });
});
