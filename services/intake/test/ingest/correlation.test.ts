import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post, storedIncident } from "./support.js";

describe("a correlation value longer than 1,024 characters", () => {
  let service: TestService;
  let secret: string;
  let accountId: string;

  beforeAll(async () => {
    service = await startTestService("correlation");
    const account = await service.account();
    secret = account.globalToken.secret;
    accountId = account.account.id;
    await service.configureService(account, {
      filter: { triggers: [{ urgency: "high", conditions: [], correlationKey: "fingerprint" }] },
    });
  });
  afterAll(() => service.close());

  const send = (fingerprint: string, n: number) =>
    post(service, {
      body: JSON.stringify({ fingerprint, n }),
      headers: { "content-type": "application/json", ...bearer(secret) },
    });

  it("is stored and answered as its SHA-256 (never in full), and still ties repeats together", async () => {
    const long = `disk-${"x".repeat(5_000)}`;
    const opened = await send(long, 1);
    expect(opened.status).toBe(201);
    expect(opened.text).not.toContain("x".repeat(1_025));
    const [incident] = opened.json.incidents;
    expect(incident.correlationKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    const stored = await storedIncident(service, accountId, incident.id);
    expect(stored.correlationKey).toBe(incident.correlationKey);

    const repeat = await send(long, 2);
    expect(repeat.status).toBe(200);
    expect(repeat.json.incidents[0]).toMatchObject({ id: incident.id, action: "duplicate" });
    const other = await send(`${long}!`, 3);
    expect(other.status).toBe(201);
    expect(other.json.incidents[0].id).not.toBe(incident.id);
  });

  it("is kept as it is up to 1,024 characters", async () => {
    const exact = "k".repeat(1_024);
    const opened = await send(exact, 4);
    expect(opened.json.incidents[0].correlationKey).toBe(exact);
  });
});
