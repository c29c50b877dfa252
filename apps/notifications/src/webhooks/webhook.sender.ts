import { Injectable } from '@nestjs/common';
import { OutgoingWebhook } from './webhook-request';

export interface WebhookResponse {
  /** The receiver's HTTP status; null when no answer came (refused, reset, timed out). */
  statusCode: number | null;
  /** Why the attempt did not succeed; null when the receiver answered 2xx. */
  error: string | null;
  durationMs: number;
}

/** Sends one webhook request; never throws, every outcome is an answer to record. */
export interface WebhookTransport {
  send(request: OutgoingWebhook, timeoutMs: number): Promise<WebhookResponse>;
}

const MAX_ERROR_BODY_CHARS = 300;

@Injectable()
export class WebhookSender implements WebhookTransport {
  async send(request: OutgoingWebhook, timeoutMs: number): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // One deadline for connecting, the answer and the bit of body read on a failure.
    const signal = AbortSignal.timeout(timeoutMs);

    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // A redirect could take the signed body elsewhere; the receiver must answer itself.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      return {
        statusCode: null,
        error: describeFetchError(error, timeoutMs),
        durationMs: elapsed(),
      };
    }

    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { statusCode: response.status, error: null, durationMs: elapsed() };
    }

    const snippet = await readSnippet(response);
    const redirect =
      response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    return {
      statusCode: response.status,
      error: `receiver answered HTTP ${response.status}${redirect}${snippet ? `: ${snippet}` : ''}`,
      durationMs: elapsed(),
    };
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const failure = error as Error & { cause?: { message?: string; code?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = failure.cause?.message ?? failure.cause?.code;
  return cause ? `${failure.message}: ${cause}` : failure.message;
}

/** The start of an error answer, which often says what the receiver disliked. */
async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < MAX_ERROR_BODY_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The answer's status is what counts; a body cut short only shortens the message.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_BODY_CHARS);
}
