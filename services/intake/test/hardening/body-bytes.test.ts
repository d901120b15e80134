import { startChild } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { serviceLauncher } from "../../src/launcher.js";
import { startTestService, type TestService } from "../harness.js";
import { bearer, countIncidents, post } from "../ingest/support.js";
import { parseRawResponse, type RawConnection, rawConnection } from "./support.js";

/** Room for two bodies of the largest size at once. */
const LIMIT = 1000;
let service: TestService;
let secret: string;

beforeAll(async () => {
  service = await startTestService("body-bytes", {
    BODY_LIMIT_BYTES: LIMIT,
    BODY_BYTES_IN_FLIGHT: 2 * LIMIT,
  });
  secret = (await service.account()).globalToken.secret;
});
afterAll(() => service.close());

const gauge = async (name: "bodyBytesInFlight" | "bodiesWaiting") =>
  (await service.deps.metrics[name].get()).values[0]?.value ?? 0;

/** A POST /v1/process whose headers are sent, and `sent` of its body (to `target`). */
async function started(
  headers: string,
  sent: string,
  target = { service, secret },
): Promise<RawConnection> {
  const connection = await rawConnection(target.service.url);
  connection.write(
    `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${target.secret}\r\n` +
      `Content-Type: text/plain\r\n${headers}Connection: close\r\n\r\n${sent}`,
  );
  return connection;
}

const declared = (length: number) => `Content-Length: ${length}\r\n`;

async function answered(connection: RawConnection): Promise<number> {
  await connection.closed;
  return parseRawResponse(connection.received()).status;
}

describe("bodies admitted by their bytes (BODY_BYTES_IN_FLIGHT)", () => {
  it("keeps a body that does not fit waiting, unread, until an earlier one is answered", async () => {
    const before = await countIncidents(service);
    const body = (mark: string) => mark.repeat(LIMIT);
    // Two bodies of the largest size hold the whole budget, their bodies half sent.
    const held = [await started(declared(LIMIT), "a".repeat(10))];
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(LIMIT);
    held.push(await started(declared(LIMIT), "b".repeat(10)));
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(2 * LIMIT);

    // A third, sent whole, waits for room; a health probe does not.
    const third = await started(declared(LIMIT), body("c"));
    await expect.poll(() => gauge("bodiesWaiting")).toBe(1);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect(third.received()).toBe("");
    expect(await countIncidents(service)).toBe(before);

    // The first one finished and answered: the third is read and served.
    held[0]?.write(body("a").slice(10));
    expect(held[0] && (await answered(held[0]))).toBe(201);
    expect(await answered(third)).toBe(201);
    held[1]?.write(body("b").slice(10));
    expect(held[1] && (await answered(held[1]))).toBe(201);

    expect(await countIncidents(service)).toBe(before + 3);
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(0);
    expect(await gauge("bodiesWaiting")).toBe(0);
  });

  it("reserves the body limit for a chunked or compressed body, and the declared size for a small one", async () => {
    const chunked = await started("Transfer-Encoding: chunked\r\n", "5\r\nchunk\r\n");
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(LIMIT);
    const gzipped = await started(`Content-Encoding: gzip\r\n${declared(20)}`, "");
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(2 * LIMIT);

    // Full: even a small body waits. One that drops out while waiting leaves the queue.
    const small = await started(declared(5), "");
    await expect.poll(() => gauge("bodiesWaiting")).toBe(1);
    small.socket.destroy();
    await expect.poll(() => gauge("bodiesWaiting")).toBe(0);

    // Once the chunked one is answered, a small body is admitted for its 5 bytes.
    chunked.write("0\r\n\r\n");
    expect(await answered(chunked)).toBe(201);
    const answer = await post(service, { body: "small", headers: bearer(secret) });
    expect(answer.status).toBe(201);
    gzipped.socket.destroy();
    await expect.poll(() => gauge("bodyBytesInFlight")).toBe(0);
  });
});

describe("bodies admitted by their count (MAX_BODIES_IN_FLIGHT)", () => {
  let counted: TestService;
  let token: string;
  beforeAll(async () => {
    counted = await startTestService("body-count", { MAX_BODIES_IN_FLIGHT: 2 });
    token = (await counted.account()).globalToken.secret;
  });
  afterAll(() => counted.close());

  const countedGauge = async (name: "bodyBytesInFlight" | "bodiesWaiting") =>
    (await counted.deps.metrics[name].get()).values[0]?.value ?? 0;
  const waitingBodies = () => countedGauge("bodiesWaiting");

  /** A POST /v1/process of `body` (declared whole), of which `sent` characters are sent. */
  const sending = (body: string, sent = body.length) =>
    started(declared(body.length), body.slice(0, sent), { service: counted, secret: token });

  it("keeps a small body past the count waiting, unread, and serves it once one is answered", async () => {
    const before = await countIncidents(counted);
    const text = (mark: string) => `${mark} down`.repeat(10);
    // Two bodies half sent hold both places, whatever their bytes (each admitted before the
    // next is sent: their authentication may end in any order).
    const first = await sending(text("first"), 5);
    await expect.poll(() => countedGauge("bodyBytesInFlight")).toBe(text("first").length);
    const second = await sending(text("second"), 5);
    await expect
      .poll(() => countedGauge("bodyBytesInFlight"))
      .toBe(text("first").length + text("second").length);
    const third = await sending(text("third"));
    await expect.poll(waitingBodies).toBe(1);
    const fourth = await sending(text("fourth"));
    await expect.poll(waitingBodies).toBe(2);
    // Requests without a body do not queue.
    expect((await fetch(`${counted.url}/healthz`)).status).toBe(200);
    expect(third.received()).toBe("");
    expect(await countIncidents(counted)).toBe(before);

    // The first one answered: one place is free, and the two waiting are served through it
    // one after the other while the second still holds the other place.
    first.write(text("first").slice(5));
    expect(await answered(first)).toBe(201);
    expect(await answered(third)).toBe(201);
    expect(await answered(fourth)).toBe(201);
    expect(second.received()).toBe("");

    second.write(text("second").slice(5));
    expect(await answered(second)).toBe(201);
    expect(await answered(fourth)).toBe(201);
    expect(await countIncidents(counted)).toBe(before + 4);
    expect(await waitingBodies()).toBe(0);
  });

  it("answers every one of many more calls than the count at once, each stored once", async () => {
    const before = await countIncidents(counted);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        post(counted, { body: `host ${index} down`, headers: bearer(token) }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
    expect(await countIncidents(counted)).toBe(before + 12);
    expect(await waitingBodies()).toBe(0);
  });
});

describe("BODY_BYTES_IN_FLIGHT at start-up", () => {
  it("refuses to start with room for less than one body of the largest size", async () => {
    const child = startChild(serviceLauncher, [], {
      env: {
        PATH: process.env.PATH ?? "",
        MONGODB_URI: inject("mongodbUri"),
        BODY_LIMIT_BYTES: "2048",
        BODY_BYTES_IN_FLIGHT: "2047",
      },
    });
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    expect(child.output()).toMatch(
      /invalid configuration:[\s\S]*BODY_BYTES_IN_FLIGHT: must be at least BODY_LIMIT_BYTES \(2048\)/,
    );
  });
});
