import type { Webhook, WebhookDeliveryStatus, WebhookEventType } from "@sqibs/api-client";
import {
  WebhookDeliveryStatusSchema,
  WebhookEventTypeSchema,
  WebhookFormatSchema,
  WebhookScopeSchema,
} from "@sqibs/api-client/schemas";

/** The choices the spec offers (never copied by hand). */
export const WEBHOOK_SCOPES: ReadonlyArray<Webhook["scope"]> = WebhookScopeSchema.enum;
export const WEBHOOK_EVENTS: ReadonlyArray<WebhookEventType> = WebhookEventTypeSchema.enum;
export const WEBHOOK_FORMATS: ReadonlyArray<Webhook["format"]> = WebhookFormatSchema.enum;
export const DELIVERY_STATUSES: ReadonlyArray<WebhookDeliveryStatus> =
  WebhookDeliveryStatusSchema.enum;

export const DELIVERY_STATUS_TONE = { pending: "warn", succeeded: "good", failed: "bad" } as const;

/** Requests belong to the account: only global webhooks receive `request.created`. */
export const GLOBAL_ONLY_EVENTS: ReadonlySet<WebhookEventType> = new Set(["request.created"]);

/** What a new webhook subscribes to until the user changes it: an incident's lifecycle. */
export const DEFAULT_EVENTS: WebhookEventType[] = [
  "incident.triggered",
  "incident.acknowledged",
  "incident.unacknowledged",
  "incident.resolved",
];
