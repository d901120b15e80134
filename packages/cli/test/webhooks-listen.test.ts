import { fileURLToPath } from "node:url";
import { startChild, waitForOutput } from "@sqibs/testing";
import {
  createSender,
  envelopeOf,
  generateWebhookSecret,
  parseCidrList,
  signatureHeaders,
} from "@sqibs/webhooks";
import { describe, expect, it } from "vitest";
import { sqibs } from "./support.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const send = createSender({
  policy: { addresses: { allowed: parseCidrList("127.0.0.0/8") }, allowHttp: true },
});

const envelope = envelopeOf({
  type: "request.created",
  id: "evt_6643a1f0c2a4b1e3d4f5a6c1",
  occurredAt: new Date("2026-11-28T11:00:00.000Z"),
  data: { request: { id: "6643a1f0c2a4b1e3d4f5a6c1", title: "Request from Jenkins" } },
  workflowId: "restart-checkout",
});
const body = JSON.stringify(envelope);

/** `sqibs webhooks listen …` as a long-running child: its URL once it listens, its output. */
async function listen(args: string[], env: Record<string, string> = {}) {
  const child = startChild(process.execPath, [CLI, "webhooks", "listen", "--port", "0", ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const [, url = ""] = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+\/):/);
  const output = {
    get stdout() {
      return child.stdout();
    },
    get stderr() {
      return child.stderr();
    },
  };
  const stop = async () => {
    await child.stop();
    return (await child.exited).code;
  };
  return { url, output, stop };
}

function signed(url: string, secrets: string[]) {
  return {
    url,
    body,
    headers: { ...signatureHeaders({ id: envelope.id, timestamp: new Date(), body, secrets }) },
  };
}

describe("sqibs webhooks listen", () => {
  it("verifies each message with the secret and prints the event, until SIGTERM", async () => {
    const secret = generateWebhookSecret();
    const listener = await listen(["--secret", secret]);
    expect(listener.output.stderr).toContain("verifying with 1 secret(s)");
    expect(await send(signed(listener.url, [secret]))).toMatchObject({ ok: true, status: 204 });
    const refused = await send(signed(listener.url, [generateWebhookSecret()]));
    expect(refused).toMatchObject({ ok: false, status: 401 });
    await expect
      .poll(() => listener.output.stdout)
      .toContain(`refused ${envelope.id}: refused: No matching signature found`);
    expect(await listener.stop()).toBe(0);
    const [first, ...rest] = listener.output.stdout.split("\n");
    expect(first).toMatch(
      new RegExp(`^verified request\\.created ${envelope.id} sent \\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(rest.join("\n")).toContain(JSON.stringify(envelope, null, 2));
  });

  it("takes the secret from SQIBS_WEBHOOK_SECRET and prints JSON lines with --json", async () => {
    const secret = generateWebhookSecret();
    const listener = await listen(["--json"], { SQIBS_WEBHOOK_SECRET: secret });
    expect(await send(signed(listener.url, [secret]))).toMatchObject({ ok: true });
    await expect.poll(() => listener.output.stdout).toContain("\n");
    expect(await listener.stop()).toBe(0);
    const line = JSON.parse(listener.output.stdout.split("\n")[0] ?? "") as Record<string, unknown>;
    expect(line).toMatchObject({ verified: true, id: envelope.id, body: envelope });
  });

  it("accepts either of two secrets during a rotation", async () => {
    const [fresh, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const listener = await listen(["--secret", fresh, "--secret", old]);
    expect(await send(signed(listener.url, [old]))).toMatchObject({ ok: true });
    expect(await send(signed(listener.url, [fresh]))).toMatchObject({ ok: true });
    expect(await listener.stop()).toBe(0);
    expect(listener.output.stdout.match(/^verified /gm)).toHaveLength(2);
  });

  it.each([
    ["no secret", [], "sqibs: no secret: pass --secret <whsec_…> or set SQIBS_WEBHOOK_SECRET\n"],
    ["a malformed secret", ["--secret", "hunter2"], "sqibs: not a webhook secret"],
    [
      "a bad port",
      ["--secret", generateWebhookSecret(), "--port", "70000"],
      "sqibs: --port must be",
    ],
  ])("fails with one line for %s", async (_name, args, message) => {
    const run = await sqibs(["webhooks", "listen", ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr.startsWith(message)).toBe(true);
  });
});
