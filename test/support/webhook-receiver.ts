import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as it arrived. */
  body: string;
  json: Record<string, unknown>;
}

/**
 * A local HTTP endpoint that keeps every request it gets and answers with the status `answer`
 * picks for the n-th request (0-based).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly server = createServer((request, response) => this.receive(request, response));
  private port = 0;

  constructor(private readonly answer: (index: number) => number) {}

  static async start(answer: (index: number) => number): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(answer);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/jit-webhook`;
  }

  /** What arrived about one request (the event's partition key), optionally of one type. */
  about(requestId: string, eventType?: string): ReceivedWebhook[] {
    return this.received.filter((hook) => {
      const event = hook.json['event'] as { partitionKey?: string } | undefined;
      return (
        event?.partitionKey === requestId &&
        (eventType === undefined || hook.json['eventType'] === eventType)
      );
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = this.answer(this.received.length);
      this.received.push({
        headers: request.headers,
        body,
        json: JSON.parse(body) as Record<string, unknown>,
      });
      response.writeHead(status, { 'Content-Type': 'text/plain' }).end(`answered ${status}`);
    });
  }
}

export function headerOf(webhook: ReceivedWebhook, name: string): string {
  const value = webhook.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
