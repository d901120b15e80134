import { readFileSync } from "node:fs";
import {
  SUBSCRIBABLE_EVENT_TYPES,
  type SubscribableEventType,
  TEST_EVENT_TYPE,
} from "@sqibs/webhooks";
import { describe, expect, it } from "vitest";
import type {
  IncidentResolvedEvent,
  IncidentTriggeredWebhookPayload,
  RequestCreatedEvent,
  WebhookEventType,
  Webhooks,
} from "../src/index.js";

interface WebhookOperation {
  operationId: string;
  requestBody: {
    content: { "application/json": { examples: Record<string, { value: { type: string } }> } };
  };
}

const document = JSON.parse(
  readFileSync(new URL("../../../openapi/bundle/openapi.json", import.meta.url), "utf8"),
) as { webhooks: Record<string, { post: WebhookOperation }> };

type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The event type a receiver reads from any body, narrowed by the generated union. */
function typeOf(request: Webhooks): Webhooks["body"]["type"] {
  return request.body.type;
}

describe("the generated client exports the outgoing webhooks' events", () => {
  it("one request type per event of the spec's webhooks section, keyed by its name", () => {
    const resolved: IncidentResolvedEvent = {
      type: "incident.resolved",
      id: "evt_6643a1f0c2a4b1e3d4f5a6b7_4",
      timestamp: "2026-11-28T10:30:00Z",
      data: {
        incident: {
          id: "6643a1f0c2a4b1e3d4f5a6b7",
          number: 42,
          serviceId: "6643a1f0c2a4b1e3d4f5a601",
          title: "Disk full",
          urgency: "high",
          status: "resolved",
          eventCount: 2,
          createdAt: "2026-11-28T10:00:00Z",
          updatedAt: "2026-11-28T10:30:00Z",
          lastEventAt: "2026-11-28T10:30:00Z",
        },
        service: { id: "6643a1f0c2a4b1e3d4f5a601", name: "Checkout" },
        team: { id: "6643a1f0c2a4b1e3d4f5a651", name: "Platform" },
        sequence: 2,
        event: { at: "2026-11-28T10:30:00Z", type: "resolved", actor: "system:auto-resolve" },
        by: "auto-resolve",
      },
    };
    expect(typeOf({ key: "incident.resolved", body: resolved })).toBe("incident.resolved");
    // The spec and @sqibs/webhooks, which sends the events, name the same ones: checked by the
    // compiler (the generated enum against the package's list) and against the bundle.
    const sameNames: SameType<WebhookEventType, SubscribableEventType> = true;
    expect(sameNames).toBe(true);
    expect(Object.keys(document.webhooks).sort()).toEqual(
      [...SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE].sort(),
    );
  });

  it("matches each example of the spec to its event's name", () => {
    for (const [name, item] of Object.entries(document.webhooks)) {
      const examples = Object.values(item.post.requestBody.content["application/json"].examples);
      expect(examples.length, name).toBeGreaterThan(0);
      for (const example of examples) expect(example.value.type).toBe(name);
    }
    const triggered = document.webhooks["incident.triggered"]?.post.requestBody.content[
      "application/json"
    ].examples.event?.value as IncidentTriggeredWebhookPayload | undefined;
    expect(triggered?.data.sequence).toBe(1);
    const request = document.webhooks["request.created"]?.post.requestBody.content[
      "application/json"
    ].examples.event?.value as RequestCreatedEvent | undefined;
    expect(request?.data.request.workflowId).toBe("restart-checkout");
  });
});
