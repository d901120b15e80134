import { afterEach, describe, expect, it } from "vitest";
import { parseCidrList } from "../addresses.js";
import { envelopeOf } from "../events.js";
import {
  LISTENER_BODY_LIMIT_BYTES,
  type ReceivedMessage,
  type RunningListener,
  startWebhookListener,
} from "../listener.js";
import { createSender } from "../sender.js";
import { generateWebhookSecret, signatureHeaders } from "../signing.js";

const send = createSender({
  policy: { addresses: { allowed: parseCidrList("127.0.0.0/8") }, allowHttp: true },
});

const envelope = envelopeOf({
  type: "incident.triggered",
  id: "msg_6643a1f0c2a4b1e3d4f5a621_1",
  occurredAt: new Date("2026-11-28T10:00:00.000Z"),
  data: { incident: { number: 12, title: "Disk full on db-1" }, sequence: 1 },
});
const body = JSON.stringify(envelope);
const knownSecret = generateWebhookSecret();

const running: RunningListener[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((listener) => listener.close()));
});

async function listen(secrets: string[]) {
  const messages: ReceivedMessage[] = [];
  const listener = await startWebhookListener({ secrets, onMessage: (m) => messages.push(m) });
  running.push(listener);
  return { listener, messages };
}

function signed(url: string, secrets: string[], timestamp = new Date()) {
  return {
    url,
    body,
    headers: { ...signatureHeaders({ id: envelope.id, timestamp, body, secrets }) },
  };
}

describe("the verifying listener (sqibs webhooks listen)", () => {
  it("accepts a signed message with 204 and hands over the event", async () => {
    const secret = generateWebhookSecret();
    const { listener, messages } = await listen([secret]);
    const sentAt = new Date();
    const outcome = await send(signed(listener.url, [secret], sentAt));
    expect(outcome).toMatchObject({ ok: true, status: 204 });
    expect(messages).toEqual([
      {
        verified: true,
        id: envelope.id,
        sentAt: new Date(Math.floor(sentAt.getTime() / 1000) * 1000),
        body: envelope,
      },
    ]);
  });

  it("accepts a message signed during a rotation with the secret it knows", async () => {
    const [fresh, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const { listener, messages } = await listen([old]);
    expect(await send(signed(listener.url, [fresh, old]))).toMatchObject({ ok: true });
    expect(messages[0]?.verified).toBe(true);
  });

  it.each([
    ["another secret", () => signed("", [generateWebhookSecret()]), "No matching signature found"],
    [
      "a replayed (old) message",
      () => signed("", [knownSecret], new Date(Date.now() - 10 * 60_000)),
      "Message timestamp too old",
    ],
    ["no signature headers", () => ({ url: "", body, headers: {} }), "Missing required headers"],
  ])("refuses %s with 401 and the reason", async (_name, build, reason) => {
    const { listener, messages } = await listen([knownSecret]);
    const outcome = await send({ ...build(), url: listener.url });
    expect(outcome).toMatchObject({ ok: false, status: 401, reason: "http-status" });
    expect(outcome.responseExcerpt).toContain(reason);
    expect(messages).toEqual([
      expect.objectContaining({ verified: false, reason: `refused: ${reason}` }),
    ]);
  });

  it("answers 413 to a body over 1 MiB, without verifying it", async () => {
    const { listener, messages } = await listen([knownSecret]);
    const response = await fetch(listener.url, {
      method: "POST",
      body: "x".repeat(LISTENER_BODY_LIMIT_BYTES + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      status: 413,
      detail: "The body is over 1048576 bytes.",
    });
    expect(messages).toEqual([]);
  });

  it("answers 405 to anything but POST", async () => {
    const { listener, messages } = await listen([knownSecret]);
    const response = await fetch(listener.url);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(messages).toEqual([]);
  });

  it("needs a secret", async () => {
    await expect(startWebhookListener({ secrets: [], onMessage: () => {} })).rejects.toThrow(
      "needs the webhook's secret",
    );
  });
});
