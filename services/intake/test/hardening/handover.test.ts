import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "../ingest/support.js";
import { parseRawResponse, type RawConnection, rawConnection } from "./support.js";

/**
 * Connections that close with calls in flight, then as many new ones at once, as a load
 * balancer or a sender's pool hands over (and the bench between its warm-up and its window):
 * every place a closed call held comes back, so the new connections are all served.
 */
const PLACES = 4;
const BODY_LIMIT = 64 * 1024;
let service: TestService;
let secret: string;

beforeAll(async () => {
  // One body of the largest size fills the room: the others wait for it, unread.
  service = await startTestService("handover", {
    MAX_CONCURRENT_REQUESTS: PLACES,
    BODY_LIMIT_BYTES: BODY_LIMIT,
    BODY_BYTES_IN_FLIGHT: BODY_LIMIT,
  });
  secret = (await service.account()).globalToken.secret;
});
afterAll(() => service.close());

const ingestCall = (token: string, body: string, contentLength = body.length) =>
  `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Type: text/plain\r\nContent-Length: ${contentLength}\r\n\r\n${body}`;

const gauge = async (name: "bodiesWaiting" | "bodyBytesInFlight" | "httpInFlight") =>
  (await service.deps.metrics?.[name].get())?.values[0]?.value ?? 0;

const connections = (count: number) =>
  Promise.all(Array.from({ length: count }, () => rawConnection(service.url)));

async function closeAll(held: RawConnection[]) {
  for (const connection of held) connection.socket.destroy();
  await Promise.all(held.map((connection) => connection.closed));
}

/**
 * Once the service has seen the closed calls end, PLACES calls at once on new connections: all
 * served, and no body room left taken.
 */
async function expectAllPlacesFree() {
  await expect.poll(() => gauge("httpInFlight"), { timeout: 5_000 }).toBe(0);
  const answers = await Promise.all(
    Array.from({ length: PLACES }, (_, index) =>
      post(service, { body: `after the handover ${index}`, headers: bearer(secret) }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(Array(PLACES).fill(201));
  expect(await gauge("bodyBytesInFlight")).toBe(0);
  expect(await gauge("bodiesWaiting")).toBe(0);
}

describe("connections closed with calls in flight", () => {
  it("gives back the places of calls that waited, unread, for room for their body", async () => {
    const held = await connections(PLACES);
    held[0]?.write(ingestCall(secret, "held-", BODY_LIMIT));
    await expect.poll(() => gauge("bodyBytesInFlight"), { timeout: 5_000 }).toBe(BODY_LIMIT);
    for (const connection of held.slice(1)) connection.write(ingestCall(secret, "waiting"));
    await expect.poll(() => gauge("bodiesWaiting"), { timeout: 5_000 }).toBe(PLACES - 1);
    await closeAll(held);
    await expectAllPlacesFree();
  });

  it("keeps serving a kept-alive connection that was refused 503 before its body was read", async () => {
    const held = await connections(PLACES);
    for (const connection of held) connection.write(ingestCall(secret, "held-", 10));
    await expect.poll(() => gauge("bodyBytesInFlight"), { timeout: 5_000 }).toBe(PLACES * 10);
    const [refused] = await connections(1);
    if (!refused) throw new Error("no connection");
    refused.write(ingestCall(secret, "refused"));
    await expect.poll(() => parseRawResponse(refused.received()).status).toBe(503);
    await closeAll(held);
    const before = refused.received().length;
    refused.write(ingestCall(secret, "served"));
    await expect
      .poll(() => parseRawResponse(refused.received().slice(before)).status, { timeout: 5_000 })
      .toBe(201);
    await closeAll([refused]);
    await expectAllPlacesFree();
  });

  it("gives back the places of calls whose connection closed while they were authenticated", async () => {
    // A token not yet cached: its authentication waits for the database, and the connection
    // closes meanwhile.
    const uncached = (await service.account()).globalToken.secret;
    const gone = await connections(PLACES);
    for (const connection of gone) {
      connection.write(ingestCall(uncached, "gone"));
      connection.socket.destroy();
    }
    // Served once the lookup the closed calls waited for is done.
    expect((await post(service, { body: "next", headers: bearer(uncached) })).status).toBe(201);
    await expectAllPlacesFree();
  });
});
