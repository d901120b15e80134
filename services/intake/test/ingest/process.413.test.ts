import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, countIncidents, post } from "./support.js";

const MIB = 1024 * 1024;

describe("POST /v1/process body limit (1 MiB by default)", () => {
  let service: TestService;
  let secret: string;

  beforeAll(async () => {
    service = await startTestService("process413");
    secret = (await service.account()).globalToken.secret;
  });
  afterAll(() => service.close());

  it("answers 413 problem+json to 1 MiB + 1 byte and stores nothing", async () => {
    const before = await countIncidents(service);
    const response = await post(service, {
      body: "x".repeat(MIB + 1),
      headers: { "content-type": "text/plain", ...bearer(secret) },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({
      status: 413,
      title: "Payload too large",
      limit: "body-size",
    });
    expect(response.json.detail).toContain(String(MIB));
    expect(await countIncidents(service)).toBe(before);
  });

  it("accepts exactly 1 MiB", async () => {
    const response = await post(service, {
      body: "x".repeat(MIB),
      headers: { "content-type": "text/plain", ...bearer(secret) },
    });
    expect(response.status).toBe(201);
  });
});
