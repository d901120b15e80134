import type { ResolvedBy, WebhookEventType } from "./events.js";

/**
 * The `slack` body: Slack's incoming-webhook format, `{ text, blocks }`. `text` is the
 * notification and the fallback; the blocks show the title, status, urgency, service, team and
 * a link back. Limits are Slack's Block Kit limits (see src/__tests__/slack-message.schema.json).
 */

export interface ChatIncident {
  kind: "incident";
  number: number;
  title: string;
  status: "triggered" | "acknowledged" | "resolved";
  urgency: "high" | "low";
  serviceName: string;
  teamName?: string;
  /** How many events hit the incident (shown for `incident.event_added`). */
  eventCount?: number;
  /** For `incident.resolved`. */
  resolvedBy?: ResolvedBy;
  /** The incident in the service's API or console. */
  link: string;
}

export interface ChatRequest {
  kind: "request";
  title: string;
  workflowId?: string;
  link: string;
}

export interface ChatTest {
  kind: "test";
  webhookId: string;
}

export type ChatSubject = ChatIncident | ChatRequest | ChatTest;

export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: "header"; text: SlackText }
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const TEXT_MAX = 3000;

const STATUS_WORDS: Record<ChatIncident["status"], string> = {
  triggered: "Triggered",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
};

const HEADLINES: Record<WebhookEventType, string> = {
  "incident.triggered": "Incident triggered",
  "incident.acknowledged": "Incident acknowledged",
  "incident.unacknowledged": "Incident unacknowledged",
  "incident.resolved": "Incident resolved",
  "incident.event_added": "Event added to an open incident",
  "request.created": "Request created",
  "webhook.test": "Test event",
};

const RESOLVED_BY: Record<ResolvedBy, string> = {
  sender: "by the sender",
  api: "through the API",
  "auto-resolve": "automatically (quiet)",
};

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `<url|label>`: `|` and `>` would end the link early, so they are percent-encoded. */
function link(url: string, label: string): string {
  const safeUrl = url.replace(/\|/g, "%7C").replace(/>/g, "%3E").replace(/</g, "%3C");
  return `<${safeUrl}|${escapeMrkdwn(label)}>`;
}

/** Cut to `max` code points with an ellipsis (a surrogate pair is never split). */
function cut(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join("")}…`;
}

/** Cuts escaped mrkdwn without leaving half an entity (`&am…`) behind. */
function cutMrkdwn(text: string, max: number): string {
  if ([...text].length <= max) return text;
  return `${[...text]
    .slice(0, max - 1)
    .join("")
    .replace(/&[a-z]{0,3}$/, "")}…`;
}

function field(label: string, value: string): SlackText {
  return { type: "mrkdwn", text: cutMrkdwn(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX) };
}

function header(text: string): SlackBlock {
  return { type: "header", text: { type: "plain_text", text: cut(text, HEADER_MAX), emoji: true } };
}

/** A context line; its parts are short (a headline and a link), so it is never cut. */
function context(text: string): SlackBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text }] };
}

export function slackMessage(type: WebhookEventType, subject: ChatSubject): SlackMessage {
  switch (subject.kind) {
    case "incident":
      return incidentMessage(type, subject);
    case "request":
      return {
        text: cutMrkdwn(`${HEADLINES[type]}: ${escapeMrkdwn(subject.title)}`, TEXT_MAX),
        blocks: [
          header(`Request: ${subject.title}`),
          ...(subject.workflowId
            ? [{ type: "section", fields: [field("Workflow", subject.workflowId)] } as SlackBlock]
            : []),
          context(`${HEADLINES[type]} · ${link(subject.link, "Open the request")}`),
        ],
      };
    case "test":
      return {
        text: "Test event from sqibs: this webhook works.",
        blocks: [
          {
            type: "section",
            text: {
              type: "mrkdwn",
              text: `*Test event* from sqibs for webhook \`${escapeMrkdwn(subject.webhookId)}\`: it works.`,
            },
          },
        ],
      };
  }
}

function incidentMessage(type: WebhookEventType, incident: ChatIncident): SlackMessage {
  const status =
    incident.status === "resolved" && incident.resolvedBy
      ? `${STATUS_WORDS.resolved} ${RESOLVED_BY[incident.resolvedBy]}`
      : STATUS_WORDS[incident.status];
  const fields = [
    field("Status", status),
    field("Urgency", incident.urgency === "high" ? "High" : "Low"),
    field("Service", incident.serviceName),
    ...(incident.teamName ? [field("Team", incident.teamName)] : []),
    ...(type === "incident.event_added" && incident.eventCount !== undefined
      ? [field("Events", String(incident.eventCount))]
      : []),
  ];
  return {
    text: cutMrkdwn(
      `${HEADLINES[type]}: #${incident.number} ${escapeMrkdwn(incident.title)} (${escapeMrkdwn(incident.serviceName)})`,
      TEXT_MAX,
    ),
    blocks: [
      header(`#${incident.number} ${incident.title}`),
      { type: "section", fields },
      context(`${HEADLINES[type]} · ${link(incident.link, `Open incident #${incident.number}`)}`),
    ],
  };
}
