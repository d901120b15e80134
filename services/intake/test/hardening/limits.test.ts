import { once } from "node:events";
import {
  brotliCompressSync,
  createGzip,
  createZstdCompress,
  deflateSync,
  gzipSync,
  constants as zlibConstants,
  zstdCompressSync,
} from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, countIncidents, post, storedIncident } from "../ingest/support.js";
import { parseRawResponse, rawConnection, trickle } from "./support.js";

const MIB = 1024 * 1024;

function expectProblem(response: { status: number; headers: Headers }, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
}

/** A gzip stream of `size` zero bytes, compressed chunk by chunk (never held whole). */
async function gzipOfZeros(size: number): Promise<Buffer> {
  const gzip = createGzip({ level: zlibConstants.Z_BEST_COMPRESSION });
  const parts: Buffer[] = [];
  gzip.on("data", (part: Buffer) => parts.push(part));
  const zeros = Buffer.alloc(MIB);
  for (let written = 0; written < size; written += zeros.length) {
    if (!gzip.write(zeros)) await once(gzip, "drain");
  }
  gzip.end();
  await once(gzip, "end");
  return Buffer.concat(parts);
}

/**
 * A zstd body of 128 MiB of zeros: 128 frames of 1 MiB each, each declaring a 128 MiB window
 * (the largest a decoder takes by default, which it may then allocate) and no content size.
 */
async function zstdOfZeros(): Promise<Buffer> {
  const zstd = createZstdCompress({ params: { [zlibConstants.ZSTD_c_windowLog]: 27 } });
  const parts: Buffer[] = [];
  zstd.on("data", (part: Buffer) => parts.push(part));
  zstd.end(Buffer.alloc(MIB));
  await once(zstd, "end");
  const frame = Buffer.concat(parts);
  return Buffer.concat(Array.from({ length: 128 }, () => frame));
}

/** One service for the size, encoding and concurrency limits (its cap: 2 requests at once). */
let service: TestService;
let secret: string;

beforeAll(async () => {
  service = await startTestService("limits", { MAX_CONCURRENT_REQUESTS: 2 });
  secret = (await service.account()).globalToken.secret;
});
afterAll(() => service.close());

describe("URL and header size limits", () => {
  it("answers 414 problem+json to a URL over 8 KiB, storing nothing", async () => {
    const before = await countIncidents(service);
    const response = await post(service, {
      query: { from: "a".repeat(9 * 1024) },
      body: "x",
      headers: bearer(secret),
    });
    expectProblem(response, 414);
    expect(response.json).toMatchObject({ status: 414, limit: "url-size" });
    expect(await countIncidents(service)).toBe(before);
  });

  it("accepts a URL just under the limit (the limit is not lower than it says)", async () => {
    const response = await fetch(`${service.url}/healthz?${"a".repeat(8 * 1024 - 20)}`);
    // /healthz takes no query parameters: the validator answers 400, not the URL limit.
    expect(response.status).toBe(400);
  });

  it("answers 431 problem+json to headers over 16 KiB, before the app reads anything", async () => {
    const response = await fetch(`${service.url}/v1/process`, {
      method: "POST",
      headers: { ...bearer(secret), "x-padding": "p".repeat(17 * 1024) },
      body: "x",
    });
    expectProblem(response, 431);
    expect(await response.json()).toMatchObject({ status: 431 });
  });

  it("answers 431 to a request line over 16 KiB (URL and headers share the cap)", async () => {
    const response = await fetch(`${service.url}/v1/process?from=${"a".repeat(17 * 1024)}`, {
      method: "POST",
      headers: bearer(secret),
      body: "x",
    });
    expectProblem(response, 431);
  });

  it("answers 413 problem+json to 1 MiB + 1 byte (the body limit holds)", async () => {
    const response = await post(service, {
      body: "x".repeat(MIB + 1),
      headers: { "content-type": "text/plain", ...bearer(secret) },
    });
    expectProblem(response, 413);
    expect(response.json).toMatchObject({ limit: "body-size" });
  });
});

describe("Content-Encoding on ingest", () => {
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    account = await service.account({ accountName: "Encodings" });
  });

  const send = (body: Buffer, encoding: string, contentType = "text/plain") =>
    post(service, {
      body,
      headers: {
        "content-type": contentType,
        "content-encoding": encoding,
        ...bearer(account.globalToken.secret),
      },
    });

  const asIs = (bytes: Buffer) => bytes;
  it.each([
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
    ["zstd", zstdCompressSync],
    // Content codings are case-insensitive, and x-gzip is gzip (RFC 9110 §8.4.1).
    ["x-gzip", gzipSync],
    ["GZIP", gzipSync],
    ["Zstd", zstdCompressSync],
    ["identity", asIs],
    ["IDENTITY", asIs],
  ] as const)("accepts %s and stores the decompressed body", async (encoding, compress) => {
    const text = `disk full on db-1 (${encoding}) ${"padding ".repeat(200)}`;
    const response = await send(compress(Buffer.from(text)), encoding);
    expect(response.status).toBe(201);
    const stored = await storedIncident(service, account.account.id, response.json.incidents[0].id);
    expect(stored.bytes.toString("utf8")).toBe(text);
    expect(stored.description).toBe(text);
    expect(stored.payload.contentType).toBe("text/plain");
  });

  it("reads a gzip JSON body by the title rules", async () => {
    const titled = await service.account({
      accountName: "Gzip JSON",
      titleKey: "commonAnnotations.summary",
    });
    const json = JSON.stringify({ commonAnnotations: { summary: "zipped" } });
    const response = await post(service, {
      query: { from: "Alertmanager" },
      body: gzipSync(json),
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        ...bearer(titled.globalToken.secret),
      },
    });
    expect(response.status).toBe(201);
    expect(response.json.incidents[0].title).toBe("Alertmanager - zipped");
  });

  it("accepts a gzip body that decompresses to exactly the limit", async () => {
    const response = await send(gzipSync(Buffer.alloc(MIB, "y")), "gzip");
    expect(response.status).toBe(201);
  });

  it("answers 413 to a gzip body that decompresses to the limit + 1 byte", async () => {
    const response = await send(gzipSync(Buffer.alloc(MIB + 1, "y")), "gzip");
    expectProblem(response, 413);
    expect(response.json.detail).toContain("decompressed");
  });

  it.each([
    ["gzip", () => gzipOfZeros(128 * MIB)],
    ["zstd", zstdOfZeros],
  ] as const)(
    "answers a %s bomb (128 MiB of zeros in under 1 MiB) 413 without inflating it in memory",
    async (encoding, bombOf) => {
      const bomb = await bombOf();
      expect(bomb.length).toBeLessThan(MIB);
      const before = await countIncidents(service);
      const peakBefore = process.resourceUsage().maxRSS; // KiB; the server runs in this process
      const started = Date.now();
      const response = await send(bomb, encoding);
      expectProblem(response, 413);
      expect(response.json).toMatchObject({ status: 413, limit: "body-size" });
      expect(response.json.detail).toContain(`Content-Encoding: ${encoding}`);
      expect(Date.now() - started).toBeLessThan(5_000);
      const peakGrowthMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
      expect(peakGrowthMiB).toBeLessThan(48);
      expect(await countIncidents(service)).toBe(before);
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    },
  );

  it("answers 413 to a zstd body that decompresses to the limit + 1 byte", async () => {
    const response = await send(zstdCompressSync(Buffer.alloc(MIB + 1, "y")), "zstd");
    expectProblem(response, 413);
    expect(response.json.detail).toContain("decompressed");
  });

  it.each(["compress", "x-compress", "gzip, br", "br, gzip", "identity, gzip", "x-zstd"])(
    "answers 415 problem+json to Content-Encoding '%s', naming what it takes, storing nothing",
    async (encoding) => {
      const before = await countIncidents(service);
      const response = await send(gzipSync("x"), encoding);
      expectProblem(response, 415);
      expect(response.headers.get("accept-encoding")).toBe("gzip, deflate, br, zstd");
      expect(response.json.detail).toContain(`'${encoding}'`);
      expect(response.json.detail).toContain("gzip, deflate, br, zstd");
      expect(await countIncidents(service)).toBe(before);
    },
  );

  it.each(["gzip", "x-gzip", "deflate", "br", "zstd"])(
    "answers 400 problem+json to a body that is not what Content-Encoding '%s' says, storing nothing",
    async (encoding) => {
      const before = await countIncidents(service);
      const response = await send(Buffer.from(`this is not ${encoding}`), encoding);
      expectProblem(response, 400);
      expect(response.json.detail).toContain(`'${encoding}'`);
      expect(await countIncidents(service)).toBe(before);
    },
  );
});

describe("request and header timeouts", () => {
  let slowService: TestService;
  let slowSecret: string;

  beforeAll(async () => {
    slowService = await startTestService("limits_slow", {
      HEADERS_TIMEOUT_MS: 1_000,
      REQUEST_TIMEOUT_MS: 2_000,
    });
    slowSecret = (await slowService.account()).globalToken.secret;
  });
  afterAll(() => slowService.close());

  it("cuts off a client that trickles its headers (a byte per 200 ms) with 408", async () => {
    const connection = await rawConnection(slowService.url);
    const started = Date.now();
    connection.write("POST /v1/process HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
    trickle(connection, "a", 200);
    await connection.closed;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    const answer = parseRawResponse(connection.received());
    expect(answer.status).toBe(408);
    expect(answer.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408 });
  });

  it("cuts off a client that trickles its body (a byte per 200 ms) with 408, storing nothing", async () => {
    const before = await countIncidents(slowService);
    const connection = await rawConnection(slowService.url);
    const started = Date.now();
    connection.write(
      `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${slowSecret}\r\n` +
        "Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n",
    );
    trickle(connection, "b", 200);
    await connection.closed;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_000);
    expect(parseRawResponse(connection.received()).status).toBe(408);
    expect(await countIncidents(slowService)).toBe(before);
    expect((await fetch(`${slowService.url}/healthz`)).status).toBe(200);
  });

  it("serves a client that is slow but within the timeouts", async () => {
    const connection = await rawConnection(slowService.url);
    const body = "slow but fine";
    connection.write(
      `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${slowSecret}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    for (const char of body.slice(0, 5)) {
      connection.write(char);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    connection.write(body.slice(5));
    await connection.closed;
    expect(parseRawResponse(connection.received()).status).toBe(201);
  });
});

describe("the cap on concurrent requests", () => {
  const inFlight = async () =>
    (await service.deps.metrics?.httpInFlight.get())?.values[0]?.value ?? 0;

  it("answers 503 problem+json with Retry-After over the cap, and serves again below it", async () => {
    // Two requests held in flight: headers sent, body not finished.
    const held = await Promise.all(
      [0, 1].map(async () => {
        const connection = await rawConnection(service.url);
        connection.write(
          `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${secret}\r\n` +
            "Content-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nheld-",
        );
        return connection;
      }),
    );
    await expect.poll(inFlight, { timeout: 5_000 }).toBe(2);

    const refused = await post(service, { body: "third", headers: bearer(secret) });
    expectProblem(refused, 503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.json).toMatchObject({ status: 503, limit: "concurrency" });
    // Health probes are not turned away.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    for (const connection of held) connection.write("12345");
    await Promise.all(held.map((connection) => connection.closed));
    for (const connection of held) expect(parseRawResponse(connection.received()).status).toBe(201);

    const after = await post(service, { body: "fourth", headers: bearer(secret) });
    expect(after.status).toBe(201);
  });
});
