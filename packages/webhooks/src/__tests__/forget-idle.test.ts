import { type Receiver, startReceiver } from "@sqibs/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseCidrList } from "../addresses.js";
import { MEMO_IDLE_MS } from "../memo.js";
import { createSender } from "../sender.js";
import { generateWebhookSecret, isSignerKept, signatureHeaders } from "../signing.js";

// A file of its own: the signers are kept by the module, and these tests need the module's
// timer to be a fake one from its first entry on.

const body =
  '{"type":"webhook.test","id":"msg_1","timestamp":"2026-11-28T10:00:00.000Z","data":{}}';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  // Only what the memos read: the sockets and the receiver keep their real timers.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a webhook no instance sends to any more (deleted elsewhere)", () => {
  it("loses its signers and its checked URL after the idle time, with no further call", async () => {
    const [secret, busySecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const send = createSender({
      policy: { addresses: { allowed: parseCidrList("127.0.0.0/8") }, allowHttp: true },
    });
    const url = `${receiver.origin.replace("http://", "http://someone:secret@")}/hook?token=t`;
    const busyUrl = `${receiver.origin}/busy`;
    const attempt = async (target: string, secrets: string[]) =>
      send({
        url: target,
        body,
        headers: { ...signatureHeaders({ id: "msg_1", timestamp: new Date(), body, secrets }) },
      });
    expect(await attempt(url, [secret])).toMatchObject({ ok: true });
    expect(await attempt(busyUrl, [busySecret])).toMatchObject({ ok: true });
    expect([isSignerKept(secret), send.isTargetKept(url)]).toEqual([true, true]);

    vi.advanceTimersByTime(MEMO_IDLE_MS / 2);
    expect(await attempt(busyUrl, [busySecret])).toMatchObject({ ok: true });
    vi.advanceTimersByTime(MEMO_IDLE_MS / 2);

    expect([isSignerKept(secret), send.isTargetKept(url)]).toEqual([false, false]);
    expect([isSignerKept(busySecret), send.isTargetKept(busyUrl)]).toEqual([true, true]);
    vi.advanceTimersByTime(MEMO_IDLE_MS / 2);
    expect([isSignerKept(busySecret), send.isTargetKept(busyUrl)]).toEqual([false, false]);
    expect(receiver.received).toHaveLength(3);
  });
});
