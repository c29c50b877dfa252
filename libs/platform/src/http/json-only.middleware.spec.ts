import { createServer, Server } from 'node:http';
import express from 'express';
import { jsonBodiesOnly } from './json-only.middleware';

describe(jsonBodiesOnly.name, () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(jsonBodiesOnly);
    app.use(express.json());
    app.post('/echo', (request, response) => {
      response.json({ received: request.body });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes a JSON body on', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"a":1}',
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: { a: 1 } });
  });

  it('passes a request without a body on', async () => {
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
  });

  it('answers 415 with a hint to a form-encoded body', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"a":1}',
    });

    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({
      error: 'unsupported-media-type',
      message: expect.stringContaining('Content-Type: application/json'),
    });
  });
});
