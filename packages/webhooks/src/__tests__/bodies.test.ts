import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { renderBody } from "../bodies.js";
import { envelopeOf, type WebhookEvent, type WebhookEventType } from "../events.js";
import { type ChatIncident, type ChatSubject, escapeMrkdwn, slackMessage } from "../slack.js";

const slackSchema = JSON.parse(
  readFileSync(new URL("./slack-message.schema.json", import.meta.url), "utf8"),
) as object;
const validateSlack = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(
  slackSchema,
);

function expectSlackShape(message: unknown): void {
  const valid = validateSlack(message);
  expect(validateSlack.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

const incident: ChatIncident = {
  kind: "incident",
  number: 12,
  title: "Disk full on db-1",
  status: "triggered",
  urgency: "high",
  serviceName: "Checkout",
  teamName: "Platform",
  link: "https://sqibs.example.com/v1/incidents/6643a1f0c2a4b1e3d4f5a621",
};

const event: WebhookEvent = {
  type: "incident.triggered",
  id: "msg_6643a1f0c2a4b1e3d4f5a621_1",
  occurredAt: new Date("2026-11-28T10:00:00.000Z"),
  data: { incident: { id: "6643a1f0c2a4b1e3d4f5a621", number: 12 }, sequence: 1 },
};

/** Every mrkdwn and plain text of a message, joined, to look for what a person sees. */
function shownText(message: ReturnType<typeof slackMessage>): string {
  return JSON.stringify(message.blocks);
}

describe("the json body", () => {
  it("is the envelope { type, id, timestamp, data }, in that order", () => {
    const body = renderBody("json", event, incident);
    expect(body).toBe(
      '{"type":"incident.triggered","id":"msg_6643a1f0c2a4b1e3d4f5a621_1",' +
        '"timestamp":"2026-11-28T10:00:00.000Z",' +
        '"data":{"incident":{"id":"6643a1f0c2a4b1e3d4f5a621","number":12},"sequence":1}}',
    );
    expect(JSON.parse(body)).toEqual(envelopeOf(event));
  });
});

describe("the slack body follows Slack's documented block shape", () => {
  const statuses: Array<[WebhookEventType, Partial<ChatIncident>, string]> = [
    ["incident.triggered", {}, "Triggered"],
    ["incident.acknowledged", { status: "acknowledged" }, "Acknowledged"],
    ["incident.unacknowledged", { status: "triggered" }, "Triggered"],
    ["incident.resolved", { status: "resolved", resolvedBy: "sender" }, "Resolved by the sender"],
    ["incident.resolved", { status: "resolved", resolvedBy: "api" }, "Resolved through the API"],
    [
      "incident.resolved",
      { status: "resolved", resolvedBy: "auto-resolve" },
      "Resolved automatically (quiet)",
    ],
    ["incident.event_added", { eventCount: 3 }, "Triggered"],
  ];

  it.each(statuses)(
    "%s (%j) shows title, status, urgency, service, team and link",
    (type, change, status) => {
      const message = slackMessage(type, { ...incident, ...change });
      expectSlackShape(message);
      expect(message.blocks[0]).toEqual({
        type: "header",
        text: { type: "plain_text", text: "#12 Disk full on db-1", emoji: true },
      });
      const shown = shownText(message);
      expect(shown).toContain(`*Status*\\n${status}`);
      expect(shown).toContain("*Urgency*\\nHigh");
      expect(shown).toContain("*Service*\\nCheckout");
      expect(shown).toContain("*Team*\\nPlatform");
      expect(shown).toContain(`<${incident.link}|Open incident #12>`);
      expect(message.text).toContain("#12 Disk full on db-1 (Checkout)");
      if (type === "incident.event_added") expect(shown).toContain("*Events*\\n3");
    },
  );

  it("renders a request and the test event", () => {
    const subjects: Array<[WebhookEventType, ChatSubject]> = [
      [
        "request.created",
        {
          kind: "request",
          title: "Request from Jenkins",
          workflowId: "wf-42",
          link: "https://x.example/r/1",
        },
      ],
      [
        "request.created",
        { kind: "request", title: "Request from cron", link: "https://x.example/r/2" },
      ],
      ["webhook.test", { kind: "test", webhookId: "6643a1f0c2a4b1e3d4f5a631" }],
    ];
    for (const [type, subject] of subjects) {
      const message = slackMessage(type, subject);
      expectSlackShape(message);
      expect(message.text.length).toBeGreaterThan(0);
    }
    const [type, withWorkflow] = subjects[0] ?? [];
    if (!type || !withWorkflow) throw new Error("the first subject is a request with a workflow");
    expect(shownText(slackMessage(type, withWorkflow))).toContain("*Workflow*\\nwf-42");
  });

  it("escapes Slack's control characters in text from payloads", () => {
    const message = slackMessage("incident.triggered", {
      ...incident,
      title: "<!channel> a & b > c",
      serviceName: "<https://evil.example|click>",
    });
    expectSlackShape(message);
    expect(message.text).toContain("&lt;!channel&gt; a &amp; b &gt; c");
    expect(shownText(message)).toContain("&lt;https://evil.example|click&gt;");
    // mrkdwn is parsed for mentions and links; the header's plain_text is shown as it is.
    const mrkdwn = JSON.stringify(message.blocks.slice(1)) + message.text;
    expect(mrkdwn).not.toContain("<!channel>");
    expect(mrkdwn).not.toContain("<https://evil");
    expect(escapeMrkdwn("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
  });

  it("keeps a link with | or > in it one link", () => {
    const message = slackMessage("incident.triggered", {
      ...incident,
      link: "https://x.example/a|b>c",
    });
    expect(shownText(message)).toContain("<https://x.example/a%7Cb%3Ec|Open incident #12>");
  });

  it("cuts long titles and names to Slack's limits without half an entity", () => {
    const message = slackMessage("incident.triggered", {
      ...incident,
      title: "😀".repeat(5000),
      serviceName: "&".repeat(3000),
    });
    expectSlackShape(message);
    const header = message.blocks[0] as { text: { text: string } };
    expect([...header.text.text]).toHaveLength(150);
    expect(header.text.text.endsWith("…")).toBe(true);
    const service = JSON.stringify(message.blocks[1]).match(/\*Service\*\\n([^"]*)"/)?.[1] ?? "";
    expect(service).toMatch(/^(&amp;)+…$/);
  });

  it("is what renderBody sends for the slack format", () => {
    expect(JSON.parse(renderBody("slack", event, incident))).toEqual(
      slackMessage("incident.triggered", incident),
    );
  });
});
