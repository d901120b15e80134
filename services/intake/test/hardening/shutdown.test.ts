import { connect } from "node:net";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { storedBytes } from "../ingest/support.js";
import {
  type ChildService,
  killService,
  parseRawResponse,
  rawConnection,
  seedDatabase,
  sleep,
  spawnService,
} from "./support.js";

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe("graceful shutdown on SIGTERM", () => {
  let seed: Awaited<ReturnType<typeof seedDatabase>>;
  let service: ChildService | undefined;
  const env = () => ({
    MONGODB_URI: inject("mongodbUri"),
    MONGODB_DB: seed.dbName,
    LOG_LEVEL: "info",
  });

  beforeAll(async () => {
    seed = await seedDatabase(inject("mongodbUri"), "shutdown");
  });
  afterAll(async () => {
    await killService(service);
    await seed.close();
  });

  it("stops accepting, finishes the in-flight request with a 2xx, closes the database, exits 0", async () => {
    service = await spawnService(env());
    const secret = seed.account.globalToken.secret;

    // An idle keep-alive connection (answered, left open) must not hold the shutdown up.
    const idle = await rawConnection(service.url);
    idle.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await expect.poll(() => parseRawResponse(idle.received()).status).toBe(200);

    // A slow request in flight: headers sent, half of the body.
    const body = "slow request in flight at SIGTERM";
    const slow = await rawConnection(service.url);
    slow.write(
      `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${secret}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await sleep(300);

    const signalledAt = Date.now();
    service.child.kill("SIGTERM");
    await sleep(300);
    // No new connections...
    expect(await connectionRefused(service.port)).toBe(true);
    // ...the idle one was closed...
    await idle.closed;
    // ...and the in-flight request completes and is answered.
    slow.write(body.slice(10));
    await slow.closed;
    const answer = parseRawResponse(slow.received());
    expect(answer.status).toBe(201);
    expect(answer.headers).toMatch(/^connection: close$/im);

    const exit = await service.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(service.output()).toContain('"msg":"stopped"');

    // Stored once, its payload the whole body (and so its description: read back from it).
    const id = new ObjectId(JSON.parse(answer.body).incidents[0].id);
    const stored = await seed.repositories.database.db.collection("incidents").findOne({ _id: id });
    expect(storedBytes(stored).toString("utf8")).toBe(body);
    expect(
      await seed.repositories.database.db
        .collection("incidents")
        .countDocuments({ deliveryId: stored?.deliveryId }),
    ).toBe(1);
  });

  it("exits anyway (code 1) once SHUTDOWN_TIMEOUT_MS passes with a request still unfinished", async () => {
    service = await spawnService({ ...env(), SHUTDOWN_TIMEOUT_MS: "1000" });
    const stuck = await rawConnection(service.url);
    stuck.write(
      `POST /v1/process HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${seed.account.globalToken.secret}\r\n` +
        "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nnever finished",
    );
    await sleep(300);
    const signalledAt = Date.now();
    service.child.kill("SIGTERM");
    const exit = await service.exited;
    const elapsed = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    expect(service.output()).toContain("shutdown deadline passed");
    stuck.socket.destroy();
  });
});
