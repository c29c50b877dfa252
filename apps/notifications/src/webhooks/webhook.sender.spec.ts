import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { OutgoingWebhook } from './webhook-request';
import { WebhookSender } from './webhook.sender';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

describe(WebhookSender.name, () => {
  const sender = new WebhookSender();
  let server: Server;
  let baseUrl: string;
  let handler: Handler;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => handler(request, response, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function aRequest(path = '/hook'): OutgoingWebhook {
    return {
      url: `${baseUrl}${path}`,
      body: '{"summary":"héllo"}',
      headers: { 'Content-Type': 'application/json', 'X-Jit-Delivery-Id': 'delivery-1' },
    };
  }

  it('posts the exact body with the given headers and reports a 2xx answer as success', async () => {
    let received: { method?: string; body: string; deliveryId?: string | string[] } | undefined;
    handler = (request, response, body) => {
      received = { method: request.method, body, deliveryId: request.headers['x-jit-delivery-id'] };
      response.writeHead(204).end();
    };

    const result = await sender.send(aRequest(), 2000);

    expect(result).toMatchObject({ statusCode: 204, error: null });
    expect(received).toEqual({
      method: 'POST',
      body: '{"summary":"héllo"}',
      deliveryId: 'delivery-1',
    });
  });

  it('reports an error answer with its status and the start of its body', async () => {
    handler = (_, response) => response.writeHead(422).end('unknown   event\ntype');

    const result = await sender.send(aRequest(), 2000);

    expect(result).toMatchObject({
      statusCode: 422,
      error: 'receiver answered HTTP 422: unknown event type',
    });
  });

  it('does not follow a redirect', async () => {
    const seen: string[] = [];
    handler = (request, response) => {
      seen.push(request.url ?? '');
      response.writeHead(302, { Location: `${baseUrl}/elsewhere` }).end();
    };

    const result = await sender.send(aRequest(), 2000);

    expect(result.statusCode).toBe(302);
    expect(result.error).toContain('redirects are not followed');
    expect(seen).toEqual(['/hook']);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    handler = () => undefined;

    const result = await sender.send(aRequest(), 150);

    expect(result).toMatchObject({ statusCode: null, error: 'no answer within 150 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('reports a refused connection without throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const result = await sender.send({ ...aRequest(), url: `http://127.0.0.1:${port}/` }, 2000);

    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
