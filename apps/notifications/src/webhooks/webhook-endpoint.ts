import { z } from 'zod';
import { NotifiableEventType, NotifiableEventTypes } from '../notifications/notification.builder';

export const WebhookEndpointSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
        'must be 1-100 letters, digits and . _ - (it names the endpoint in every delivery)',
      ),
    url: z.url({
      protocol: /^https?$/,
      hostname: z.regexes.hostname,
      message: 'must be an absolute http:// or https:// URL',
    }),
    events: z
      .array(
        z.enum(NotifiableEventTypes, {
          message: `must be one of ${NotifiableEventTypes.join(', ')}`,
        }),
      )
      .min(1, 'must list at least one event type; leave it out to receive every type')
      .optional(),
  })
  // A misspelt key such as "event" would otherwise subscribe the endpoint to every type.
  .strict();

export interface WebhookEndpoint {
  name: string;
  url: string;
  /** The event types sent to this endpoint; every notifiable type when absent. */
  events?: NotifiableEventType[];
}

/** The endpoints list from NOTIFICATION_WEBHOOKS: a JSON array, each entry checked on its own. */
export const WebhookEndpointList = z
  .string()
  .default('[]')
  .transform((text, context): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        message: `must be a JSON array of {name, url, events?} (${(error as Error).message})`,
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(WebhookEndpointSchema, { message: 'must be a JSON array of {name, url, events?}' })
      .superRefine((endpoints, context) => {
        const seen = new Set<string>();
        endpoints.forEach((endpoint, index) => {
          if (seen.has(endpoint.name)) {
            context.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `"${endpoint.name}" is used by another endpoint; names must be unique`,
            });
          }
          seen.add(endpoint.name);
        });
      }),
  );

export function endpointsFor(
  endpoints: readonly WebhookEndpoint[],
  type: NotifiableEventType,
): WebhookEndpoint[] {
  return endpoints.filter((endpoint) => !endpoint.events || endpoint.events.includes(type));
}
