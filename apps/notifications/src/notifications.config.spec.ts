import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNotificationsConfig } from './notifications.config';

const SIGNING_SECRET = 'webhook-signing-secret-with-32-characters';

function anEnvironment(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    JWT_SECRET: 'jwt-signing-secret-with-at-least-32-chars',
    NOTIFICATION_WEBHOOKS: JSON.stringify([
      {
        name: 'security-leads',
        url: 'https://hooks.example.test/security',
        events: ['ApprovalRequested'],
      },
      { name: 'audit-sink', url: 'http://127.0.0.1:9000/jit' },
    ]),
    WEBHOOK_SIGNING_SECRET: SIGNING_SECRET,
    ...overrides,
  };
}

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadNotificationsConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe(loadNotificationsConfig.name, () => {
  it('reads the endpoints and applies the documented defaults', () => {
    const config = loadNotificationsConfig(anEnvironment());

    expect(config.http).toEqual({ host: '127.0.0.1', port: 3004 });
    expect(config.runtime).toMatchObject({
      service: 'notifications',
      schema: 'notifications',
      messaging: { clientId: 'jit-notifications', topicPrefix: '' },
    });
    expect(config.webhooks).toEqual({
      endpoints: [
        {
          name: 'security-leads',
          url: 'https://hooks.example.test/security',
          events: ['ApprovalRequested'],
        },
        { name: 'audit-sink', url: 'http://127.0.0.1:9000/jit' },
      ],
      signingSecret: SIGNING_SECRET,
      maxAttempts: 12,
      timeoutMs: 5000,
      retry: { baseMs: 1000, maxMs: 300_000 },
      pollIntervalMs: 200,
    });
  });

  it('runs without endpoints and without a signing secret', () => {
    const config = loadNotificationsConfig(
      anEnvironment({ NOTIFICATION_WEBHOOKS: undefined, WEBHOOK_SIGNING_SECRET: undefined }),
    );

    expect(config.webhooks).toMatchObject({ endpoints: [], signingSecret: null });
  });

  it('requires a signing secret once an endpoint is configured', () => {
    expect(problemsOf(anEnvironment({ WEBHOOK_SIGNING_SECRET: undefined }))).toContain(
      'WEBHOOK_SIGNING_SECRET: is required when NOTIFICATION_WEBHOOKS lists an endpoint',
    );
  });

  it('refuses a signing secret shorter than 32 characters', () => {
    expect(problemsOf(anEnvironment({ WEBHOOK_SIGNING_SECRET: 'short' }))).toContain(
      'WEBHOOK_SIGNING_SECRET: must be at least 32 characters',
    );
  });

  it('names every bad endpoint entry and what is wrong with it', () => {
    const message = problemsOf(
      anEnvironment({
        NOTIFICATION_WEBHOOKS: JSON.stringify([
          { name: 'ok', url: 'https://hooks.example.test/ok' },
          { name: 'ftp', url: 'ftp://files.example.test/drop' },
          { name: 'typo', url: 'https://hooks.example.test/t', event: ['GrantIssued'] },
          { name: 'unknown-type', url: 'https://hooks.example.test/u', events: ['GrantApproved'] },
        ]),
      }),
    );

    expect(message).toContain(
      'NOTIFICATION_WEBHOOKS.1.url: must be an absolute http:// or https:// URL',
    );
    expect(message).toContain('NOTIFICATION_WEBHOOKS.2: Unrecognized key: "event"');
    expect(message).toContain('NOTIFICATION_WEBHOOKS.3.events.0: must be one of ApprovalRequested');
    expect(message).not.toContain('NOTIFICATION_WEBHOOKS.0');
  });

  it('refuses two endpoints with the same name', () => {
    const endpoint = { name: 'security-leads', url: 'https://hooks.example.test/a' };

    expect(
      problemsOf(anEnvironment({ NOTIFICATION_WEBHOOKS: JSON.stringify([endpoint, endpoint]) })),
    ).toContain('NOTIFICATION_WEBHOOKS.1.name: "security-leads" is used by another endpoint');
  });

  it('refuses endpoints that are not JSON', () => {
    expect(problemsOf(anEnvironment({ NOTIFICATION_WEBHOOKS: '[{name: x}]' }))).toContain(
      'NOTIFICATION_WEBHOOKS: must be a JSON array of {name, url, events?}',
    );
  });

  it('refuses a retry base longer than the retry maximum', () => {
    expect(
      problemsOf(anEnvironment({ WEBHOOK_RETRY_BASE_MS: '60000', WEBHOOK_RETRY_MAX_MS: '1000' })),
    ).toContain('WEBHOOK_RETRY_BASE_MS: must not be greater than WEBHOOK_RETRY_MAX_MS');
  });

  it('refuses a non-numeric attempt count', () => {
    expect(problemsOf(anEnvironment({ WEBHOOK_MAX_ATTEMPTS: 'many' }))).toContain(
      'WEBHOOK_MAX_ATTEMPTS',
    );
  });

  it('requires exactly one source of token keys', () => {
    expect(problemsOf(anEnvironment({ JWT_SECRET: undefined }))).toContain(
      'set exactly one of JWT_SECRET',
    );
  });

  describe('opt-out notice routing', () => {
    function aRoutingFile(recipient: string): string {
      const path = join(mkdtempSync(join(tmpdir(), 'routing-')), 'routing.yaml');
      writeFileSync(
        path,
        [
          'version: 1',
          `recipients: [${recipient}]`,
          'levels: [{ recipients: [u-900] }]',
          'severities:',
          '  info: { channels: [chat] }',
          '  high: { channels: [chat, email], acknowledgeWithin: PT1H }',
          '  critical: { channels: [chat, email, webhook], acknowledgeWithin: PT15M }',
        ].join('\n'),
      );
      return path;
    }

    it('sends no notice without a routing file', () => {
      expect(loadNotificationsConfig(anEnvironment()).notices).toEqual({
        routing: null,
        smtp: null,
      });
    });

    it('reads the routing file and the SMTP settings', () => {
      const config = loadNotificationsConfig(
        anEnvironment({
          NOTIFICATION_ROUTING_FILE: aRoutingFile(
            '{ id: u-900, name: Ada, email: a@example.test }',
          ),
          SMTP_URL: 'smtp://127.0.0.1:2525',
          SMTP_FROM: 'jit@example.test',
        }),
      );

      expect(config.notices.smtp).toEqual({
        url: 'smtp://127.0.0.1:2525',
        from: 'jit@example.test',
      });
      expect(config.notices.routing?.levels).toEqual([['u-900']]);
    });

    it('requires SMTP_URL once a recipient has an e-mail address', () => {
      const problems = problemsOf(
        anEnvironment({
          NOTIFICATION_ROUTING_FILE: aRoutingFile(
            '{ id: u-900, name: Ada, email: a@example.test }',
          ),
        }),
      );

      expect(problems).toContain('SMTP_URL: is required when a recipient');
    });

    it('requires the signing secret once a recipient has a generic webhook', () => {
      const problems = problemsOf(
        anEnvironment({
          NOTIFICATION_WEBHOOKS: '[]',
          WEBHOOK_SIGNING_SECRET: undefined,
          NOTIFICATION_ROUTING_FILE: aRoutingFile(
            "{ id: u-900, name: Ada, webhookUrl: 'https://pager.example.test/jit' }",
          ),
        }),
      );

      expect(problems).toContain('WEBHOOK_SIGNING_SECRET: is required when a recipient');
    });

    it('names the bad path of a routing file', () => {
      const problems = problemsOf(
        anEnvironment({
          NOTIFICATION_ROUTING_FILE: aRoutingFile('{ id: u-900, name: Ada, email: x }'),
        }),
      );

      expect(problems).toContain('recipients[0].email: must be an e-mail address');
    });
  });
});
