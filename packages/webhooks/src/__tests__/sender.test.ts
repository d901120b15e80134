import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Handler, type Receiver, startReceiver } from "@sqibs/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NO_ALLOWED_RANGES, parseCidrList } from "../addresses.js";
import { EndpointLimiter } from "../limiter.js";
import {
  AddressRefusedError,
  type AttemptOutcome,
  createSender,
  guardedLookup,
  guardSocket,
  MAX_RESPONSE_BYTES,
  type Resolver,
} from "../sender.js";
import { generateWebhookSecret, signatureHeaders } from "../signing.js";
import type { UrlPolicy } from "../urls.js";

const loopbackOpen: UrlPolicy = {
  addresses: { allowed: parseCidrList("127.0.0.0/8") },
  allowHttp: true,
};
const nothingOpen: UrlPolicy = { addresses: NO_ALLOWED_RANGES, allowHttp: true };

const receivers: Receiver[] = [];
async function receiver(handler?: Handler, options?: Parameters<typeof startReceiver>[1]) {
  const started = await startReceiver(handler, options);
  receivers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((started) => started.close()));
});

const body = JSON.stringify({
  type: "webhook.test",
  id: "msg_1",
  timestamp: "2026-11-28T10:00:00.000Z",
  data: {},
});

function message(url: string, secret = generateWebhookSecret()) {
  return {
    url,
    body,
    headers: {
      ...signatureHeaders({ id: "msg_1", timestamp: new Date(), body, secrets: [secret] }),
    },
  };
}

function failure(outcome: AttemptOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Resolves names the way a DNS server would answer them (for names no real resolver knows). */
function resolverFor(records: Record<string, string[]>): Resolver {
  return (hostname, _options, callback) => {
    const addresses = records[hostname];
    if (!addresses) {
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
        [],
      );
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
}

describe("a 2xx answer is delivered", () => {
  it("POSTs the signed body once; the receiver verifies it with standardwebhooks", async () => {
    const target = await receiver((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
    const secret = generateWebhookSecret();
    const outcome = await createSender({ policy: loopbackOpen })(
      message(`${target.origin}/hooks?team=ops`, secret),
    );
    expect(outcome).toMatchObject({
      ok: true,
      status: 200,
      responseExcerpt: "thanks",
      connectedAddress: "127.0.0.1",
    });
    expect(outcome.latencyMs).toBeGreaterThan(0);
    expect(target.received).toHaveLength(1);
    const [request] = target.received;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/hooks?team=ops");
    expect(request?.body).toBe(body);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toMatch(/^sqibs-webhooks\//);
    const headers = request?.headers as Record<string, string>;
    expect(new Webhook(secret).verify(request?.body ?? "", headers)).toEqual(JSON.parse(body));
  });

  it("sends a URL's user-info as Basic authentication", async () => {
    const target = await receiver();
    const url = target.origin.replace("http://", "http://hook%20user:p%40ss@");
    expect((await createSender({ policy: loopbackOpen })(message(`${url}/x`))).ok).toBe(true);
    const expected = `Basic ${Buffer.from("hook user:p@ss").toString("base64")}`;
    expect(target.received[0]?.headers.authorization).toBe(expected);
  });

  it("reaches an IPv6 receiver on an opened range", async () => {
    const target = await receiver(undefined, { host: "::1" });
    const policy = { addresses: { allowed: parseCidrList("::1/128") }, allowHttp: true };
    const outcome = await createSender({ policy })(message(`${target.origin}/x`));
    expect(outcome).toMatchObject({ ok: true, status: 204, connectedAddress: "::1" });
  });
});

describe("anything else is a failure, with what the receiver said", () => {
  it("a 5xx with Retry-After in seconds", async () => {
    const target = await receiver((_request, response) => {
      response.writeHead(503, { "retry-after": "120" }).end("busy");
    });
    const outcome = failure(await createSender({ policy: loopbackOpen })(message(target.origin)));
    expect(outcome).toMatchObject({
      reason: "http-status",
      retryable: true,
      status: 503,
      retryAfterSeconds: 120,
      responseExcerpt: "busy",
      detail: "HTTP 503 Service Unavailable",
    });
  });

  it("a 429 with Retry-After as an HTTP date", async () => {
    const target = await receiver((_request, response) => {
      const inAMinute = new Date(Date.now() + 60_000).toUTCString();
      response.writeHead(429, { "retry-after": inAMinute }).end();
    });
    const outcome = failure(await createSender({ policy: loopbackOpen })(message(target.origin)));
    expect(outcome.status).toBe(429);
    expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(outcome.retryAfterSeconds).toBeLessThanOrEqual(61);
  });

  it("a redirect, which is not followed", async () => {
    const target = await receiver((request, response) => {
      if (request.path === "/moved") response.writeHead(204).end();
      else response.writeHead(307, { location: "/moved" }).end();
    });
    const outcome = failure(await createSender({ policy: loopbackOpen })(message(target.origin)));
    expect(outcome).toMatchObject({ reason: "redirect", status: 307, retryable: true });
    expect(target.received.map((request) => request.path)).toEqual(["/"]);
  });

  it("keeps the first 1 KB of the answer, never half a character", async () => {
    const text = `a${"é".repeat(2000)}`; // 1 + 4000 bytes: byte 1024 is half an é
    const target = await receiver((_request, response) => {
      response.writeHead(500).end(text);
    });
    const outcome = failure(await createSender({ policy: loopbackOpen })(message(target.origin)));
    expect(outcome.responseExcerpt).toBe(`a${"é".repeat(511)}`);
    expect(Buffer.byteLength(outcome.responseExcerpt ?? "")).toBe(1023);
  });
});

describe("a receiver cannot hold the sender", () => {
  it("stops reading an endless answer after 64 KB and closes the connection", async () => {
    let written = 0;
    let closed = false;
    const target = await receiver(async (_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      let wake = () => {};
      response.on("close", () => {
        closed = true;
        wake();
      });
      response.on("drain", () => wake());
      const chunk = Buffer.alloc(16 * 1024, "x");
      while (!closed && written < 1024 * 1024 * 1024) {
        written += chunk.length;
        if (!response.write(chunk)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      }
    });
    const outcome = await createSender({ policy: loopbackOpen, timeoutMs: 30_000 })(
      message(target.origin),
    );
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.responseExcerpt).toBe("x".repeat(1024));
    await expect.poll(() => closed).toBe(true);
    // The receiver wrote what the socket buffers took after 64 KB, then saw the close.
    expect(written).toBeGreaterThanOrEqual(MAX_RESPONSE_BYTES);
    expect(written).toBeLessThan(1024 * 1024 * 1024);
  });

  it("gives up at the timeout when no answer comes", async () => {
    const target = await receiver(async (_request, response) => {
      await sleep(5_000);
      response.writeHead(204).end();
    });
    const outcome = failure(
      await createSender({ policy: loopbackOpen, timeoutMs: 300 })(message(target.origin)),
    );
    expect(outcome).toMatchObject({ reason: "timeout", retryable: true });
    expect(outcome.detail).toContain("300 ms");
    expect(outcome.status).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(299);
  });

  it("keeps the status when the body stalls after it", async () => {
    const target = await receiver((_request, response) => {
      response.writeHead(202, { "content-type": "text/plain" });
      response.write("accepted, more to come");
    });
    const outcome = await createSender({ policy: loopbackOpen, timeoutMs: 300 })(
      message(target.origin),
    );
    expect(outcome).toMatchObject({
      ok: true,
      status: 202,
      responseExcerpt: "accepted, more to come",
    });
  });

  it("a slow receiver never delays another endpoint's delivery", async () => {
    const slow = await receiver(async (_request, response) => {
      await sleep(3_000);
      response.writeHead(204).end();
    });
    const fast = await receiver();
    const send = createSender({ policy: loopbackOpen });
    const limiter = new EndpointLimiter();
    const order: string[] = [];
    const deliver = async (endpoint: string, url: string) => {
      const release = limiter.tryAcquire(endpoint);
      if (!release) return "no slot";
      try {
        const outcome = await send(message(url));
        order.push(endpoint);
        return outcome.ok ? "delivered" : "failed";
      } finally {
        release();
      }
    };
    const slowOnes = Array.from({ length: 4 }, () => deliver("slow", slow.origin));
    expect(await deliver("slow", slow.origin)).toBe("no slot");
    expect(await deliver("fast", fast.origin)).toBe("delivered");
    expect(order).toEqual(["fast"]);
    expect(limiter.inFlight("slow")).toBe(4);
    expect(await Promise.all(slowOnes)).toEqual(Array(4).fill("delivered"));
    expect(order).toEqual(["fast", "slow", "slow", "slow", "slow"]);
  });
});

describe("the address policy holds at send time", () => {
  it("refuses a literal loopback URL before connecting", async () => {
    const target = await receiver();
    const outcome = failure(await createSender({ policy: nothingOpen })(message(target.origin)));
    expect(outcome).toMatchObject({ reason: "refused-address", retryable: false });
    expect(outcome.detail).toContain("127.0.0.0/8 (loopback)");
    expect(target.connections).toBe(0);
  });

  it("refuses http unless it is allowed", async () => {
    const target = await receiver();
    const strict = { ...loopbackOpen, allowHttp: false };
    const outcome = failure(await createSender({ policy: strict })(message(target.origin)));
    expect(outcome).toMatchObject({ reason: "refused-url", retryable: false });
    expect(outcome.detail).toContain("WEBHOOK_ALLOW_HTTP");
    expect(target.connections).toBe(0);
  });

  it("refuses localhost from the system resolver (/etc/hosts), naming the address", async () => {
    const lookup = guardedLookup(NO_ALLOWED_RANGES);
    const error = await new Promise<unknown>((resolve) => {
      lookup("localhost", {}, (failed) => resolve(failed));
    });
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as Error).message).toMatch(
      /^localhost resolves to 127\.0\.0\.1 is in 127\.0\.0\.0\/8 \(loopback\)/,
    );
  });

  it("refuses a DNS name that resolves to loopback, without connecting", async () => {
    const target = await receiver();
    const resolve = resolverFor({ "hooks.example.test": ["127.0.0.1"] });
    const url = `http://hooks.example.test:${target.port}/x`;
    const outcome = failure(await createSender({ policy: nothingOpen, resolve })(message(url)));
    expect(outcome).toMatchObject({ reason: "refused-address", retryable: false });
    expect(outcome.detail).toContain("hooks.example.test resolves to 127.0.0.1");
    expect(outcome.detail).toContain("(loopback)");
    expect(target.connections).toBe(0);
    // The same name, once the operator opens loopback, is delivered.
    const opened = await createSender({ policy: loopbackOpen, resolve })(message(url));
    expect(opened).toMatchObject({ ok: true, connectedAddress: "127.0.0.1" });
  });

  it("refuses a name when any of its addresses is refused (rebinding)", async () => {
    const target = await receiver();
    const resolve = resolverFor({ "twice.example.test": ["127.0.0.1", "::1"] });
    const url = `http://twice.example.test:${target.port}/x`;
    const outcome = failure(await createSender({ policy: loopbackOpen, resolve })(message(url)));
    expect(outcome.detail).toContain("::1 is in ::1/128 (loopback)");
    expect(target.connections).toBe(0);
  });

  it("refuses an IPv4-mapped answer by the address it carries", async () => {
    const target = await receiver();
    const resolve = resolverFor({ "mapped.example.test": ["::ffff:127.0.0.1"] });
    const url = `http://mapped.example.test:${target.port}/x`;
    const outcome = failure(await createSender({ policy: nothingOpen, resolve })(message(url)));
    expect(outcome.detail).toContain("carries the IPv4 address 127.0.0.1");
    expect(target.connections).toBe(0);
  });

  it("checks the connected socket's address before a byte is written to it", async () => {
    let bytes = 0;
    const server = net.createServer((socket) => {
      socket.on("data", (data) => {
        bytes += data.length;
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const accepted = once(server, "connection");
    try {
      const { port } = server.address() as AddressInfo;
      const socket = net.connect(port, "127.0.0.1");
      guardSocket(socket, NO_ALLOWED_RANGES);
      socket.write("POST / HTTP/1.1\r\n\r\n"); // queued until connected, then never sent
      const [error] = (await once(socket, "error").catch((failed: unknown) => [failed])) as [Error];
      expect(error).toBeInstanceOf(AddressRefusedError);
      expect(error.message).toContain("127.0.0.1 is in 127.0.0.0/8 (loopback)");
      const [serverSide] = (await accepted) as [net.Socket];
      if (!serverSide.closed) await once(serverSide, "close");
      expect(bytes).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe("connections are kept alive per checked address", () => {
  it("sends further attempts to a receiver on the connection the first one checked", async () => {
    const target = await receiver();
    const send = createSender({ policy: loopbackOpen });
    for (let index = 0; index < 3; index += 1) {
      expect(await send(message(target.origin))).toMatchObject({
        ok: true,
        status: 204,
        connectedAddress: "127.0.0.1",
      });
    }
    expect(target.received).toHaveLength(3);
    expect(target.connections).toBe(1);
  });

  it("checks each URL once per sender: each keeps its own path and user-info, a refused one stays refused", async () => {
    const target = await receiver();
    const send = createSender({ policy: loopbackOpen });
    const withUser = target.origin.replace("http://", "http://someone:secret@");
    const urls = [`${target.origin}/a?x=1`, `${withUser}/b`, `${target.origin}/a?x=1`];
    for (const url of urls) expect(await send(message(url))).toMatchObject({ ok: true });
    expect(target.received.map((request) => request.path)).toEqual(["/a?x=1", "/b", "/a?x=1"]);
    expect(target.received.map((request) => request.headers.authorization)).toEqual([
      undefined,
      `Basic ${Buffer.from("someone:secret").toString("base64")}`,
      undefined,
    ]);
    const refused = target.origin.replace("http://", "ftp://");
    for (let index = 0; index < 2; index += 1) {
      expect(failure(await send(message(refused)))).toMatchObject({
        reason: "refused-url",
        retryable: false,
      });
    }
    expect(target.received).toHaveLength(3);
  });

  it("forgets the targets of the URLs it is told to, and checks them again at their next send", async () => {
    const target = await receiver();
    const send = createSender({ policy: loopbackOpen });
    const withUser = `${target.origin.replace("http://", "http://someone:secret@")}/hook?token=t`;
    const other = `${target.origin}/other`;
    const refused = target.origin.replace("http://", "ftp://");
    for (const url of [withUser, other])
      expect(await send(message(url))).toMatchObject({ ok: true });
    expect(failure(await send(message(refused)))).toMatchObject({ reason: "refused-url" });
    expect([withUser, other, refused].map(send.isTargetKept)).toEqual([true, true, true]);

    send.forget([withUser, refused]);
    expect([withUser, other, refused].map(send.isTargetKept)).toEqual([false, true, false]);

    expect(await send(message(withUser))).toMatchObject({ ok: true });
    expect(target.received.at(-1)).toMatchObject({
      path: "/hook?token=t",
      headers: { authorization: `Basic ${Buffer.from("someone:secret").toString("base64")}` },
    });
    expect(failure(await send(message(refused)))).toMatchObject({
      reason: "refused-url",
      retryable: false,
    });
    expect([withUser, refused].map(send.isTargetKept)).toEqual([true, true]);
    expect(target.received).toHaveLength(3);
  });

  it("resolves and checks the name again for a new connection", async () => {
    const target = await receiver();
    const records: Record<string, string[]> = { "moving.example.test": ["127.0.0.1"] };
    const resolve = resolverFor(records);
    const onlyOne = { ...loopbackOpen, addresses: { allowed: parseCidrList("127.0.0.1/32") } };
    const send = createSender({ policy: onlyOne, resolve });
    const url = `http://moving.example.test:${target.port}/x`;
    expect(await send(message(url))).toMatchObject({ ok: true });
    // The name now points elsewhere: the open connection still goes where it was checked…
    records["moving.example.test"] = ["127.0.0.2"];
    expect(await send(message(url))).toMatchObject({ ok: true, connectedAddress: "127.0.0.1" });
    expect(target.connections).toBe(1);
    // …and once the receiver closes it, the next attempt resolves anew and is refused.
    await target.close();
    const outcome = failure(await send(message(url)));
    expect(outcome).toMatchObject({ reason: "refused-address", retryable: false });
    expect(outcome.detail).toContain("moving.example.test resolves to 127.0.0.2");
  });

  it("sends again on a new connection when the receiver closed the kept one as it was reused", async () => {
    let connections = 0;
    const requests: number[] = [];
    const server = net.createServer((socket) => {
      connections += 1;
      const connection = connections;
      let answered = 0;
      socket.on("data", (data) => {
        if (!data.toString("latin1").includes("\r\n\r\n")) return;
        // The first connection answers once, then resets when it is reused.
        if (connection === 1 && answered === 1) return void socket.resetAndDestroy();
        answered += 1;
        requests.push(connection);
        socket.write("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const send = createSender({ policy: loopbackOpen });
      const url = `http://127.0.0.1:${port}/x`;
      expect(await send(message(url))).toMatchObject({ ok: true, status: 204 });
      expect(await send(message(url))).toMatchObject({ ok: true, status: 204 });
      expect(requests).toEqual([1, 2]);
      expect(connections).toBe(2);
    } finally {
      server.close();
    }
  });
});

describe("network failures are retryable, with their reason", () => {
  it("a name that does not resolve (real DNS)", async () => {
    const outcome = failure(
      await createSender({ policy: loopbackOpen })(message("http://nonexistent.invalid/x")),
    );
    expect(outcome).toMatchObject({ reason: "dns", retryable: true });
  });

  it("a port nobody listens on", async () => {
    const closed = await receiver();
    await closed.close();
    const outcome = failure(await createSender({ policy: loopbackOpen })(message(closed.origin)));
    expect(outcome).toMatchObject({ reason: "connection", retryable: true });
    expect(outcome.detail).toContain("ECONNREFUSED");
  });
});

describe("https", () => {
  let dir: string;
  let tls: { key: string; cert: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sqibs-webhooks-tls-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1"],
        ...["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    tls = {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a certificate it does not trust", async () => {
    const target = await receiver(undefined, { tls });
    const strict = { ...loopbackOpen, allowHttp: false };
    const outcome = failure(await createSender({ policy: strict })(message(`${target.origin}/x`)));
    expect(outcome).toMatchObject({ reason: "tls", retryable: true });
    expect(target.received).toHaveLength(0);
  });

  it("delivers to a trusted receiver by name (SNI), still checking the address", async () => {
    const target = await receiver(undefined, { tls });
    const strict = { ...loopbackOpen, allowHttp: false };
    const url = `https://localhost:${target.port}/x`;
    const outcome = await createSender({ policy: strict, ca: tls.cert })(message(url));
    expect(outcome).toMatchObject({ ok: true, status: 204, connectedAddress: "127.0.0.1" });
    const refused = failure(
      await createSender({ policy: { ...strict, addresses: NO_ALLOWED_RANGES }, ca: tls.cert })(
        message(url),
      ),
    );
    expect(refused.reason).toBe("refused-address");
    expect(target.received).toHaveLength(1);
  });
});
