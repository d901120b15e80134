/**
 * The events a webhook can subscribe to, the JSON envelope they travel in, and which webhooks
 * an event goes to (scope, events, workflowId). The shapes of `data` are the OpenAPI
 * document's (its top-level `webhooks` section); this package only carries them.
 */

export const SUBSCRIBABLE_EVENT_TYPES = [
  "incident.triggered",
  "incident.acknowledged",
  "incident.unacknowledged",
  "incident.resolved",
  "incident.event_added",
  "request.created",
] as const;

export type SubscribableEventType = (typeof SUBSCRIBABLE_EVENT_TYPES)[number];

/** Sent only by `POST /v1/webhooks/{id}/test`, to that webhook, whatever it subscribes to. */
export const TEST_EVENT_TYPE = "webhook.test";

export type WebhookEventType = SubscribableEventType | typeof TEST_EVENT_TYPE;

/** Who resolved an incident: a sender's resolve filter, a person through the API, or the service. */
export type ResolvedBy = "sender" | "api" | "auto-resolve";

export function isSubscribableEventType(text: string): text is SubscribableEventType {
  return (SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(text);
}

/** The `json` body: one envelope per event; `id` is also the `webhook-id` header. */
export interface WebhookEnvelope<Data = unknown> {
  type: WebhookEventType;
  id: string;
  /** When the event happened (ISO 8601), not when this attempt was sent. */
  timestamp: string;
  data: Data;
}

export interface WebhookEvent<Data = unknown> {
  type: WebhookEventType;
  id: string;
  occurredAt: Date;
  data: Data;
  /** Where the event comes from, for choosing its webhooks (absent for requests). */
  serviceId?: string;
  teamId?: string;
  /** A request's workflowId, for webhooks that name one. */
  workflowId?: string;
}

export function envelopeOf<Data>(event: WebhookEvent<Data>): WebhookEnvelope<Data> {
  return {
    type: event.type,
    id: event.id,
    timestamp: event.occurredAt.toISOString(),
    data: event.data,
  };
}

export type WebhookScope =
  | { kind: "global" }
  | { kind: "team"; teamId: string }
  | { kind: "service"; serviceId: string };

export interface Subscription {
  scope: WebhookScope;
  events: readonly SubscribableEventType[];
  /** Then only requests carrying this workflowId (and still every incident event subscribed). */
  workflowId?: string;
  enabled: boolean;
}

/**
 * Whether a webhook receives an event. A global webhook sees the whole account; a team or
 * service webhook only events of its team or service (so never `request.created`, since
 * requests belong to the account). The test event is sent by hand, never by subscription.
 */
export function subscribes(subscription: Subscription, event: WebhookEvent): boolean {
  if (!subscription.enabled || event.type === TEST_EVENT_TYPE) return false;
  if (!subscription.events.includes(event.type)) return false;
  if (
    event.type === "request.created" &&
    subscription.workflowId !== undefined &&
    subscription.workflowId !== event.workflowId
  ) {
    return false;
  }
  const { scope } = subscription;
  switch (scope.kind) {
    case "global":
      return true;
    case "team":
      return event.teamId === scope.teamId;
    case "service":
      return event.serviceId === scope.serviceId;
  }
}
