import { envelopeOf, type WebhookEvent } from "./events.js";
import { type ChatSubject, slackMessage } from "./slack.js";

export const WEBHOOK_FORMATS = ["json", "slack"] as const;

export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/**
 * The body sent for an event, exactly as signed: the JSON envelope, or a Slack message built
 * from `chat` (the incident or request in a few words and a link back).
 */
export function renderBody(format: WebhookFormat, event: WebhookEvent, chat: ChatSubject): string {
  return format === "slack"
    ? JSON.stringify(slackMessage(event.type, chat))
    : JSON.stringify(envelopeOf(event));
}
