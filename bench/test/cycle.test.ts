import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serviceLauncher } from "@sqibs/intake";
import { freePort } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configureService } from "../src/configure.js";
import { drive, idSource } from "../src/load.js";
import { CYCLE_DUPLICATES, cycleTemplates } from "../src/payloads.js";
import { startServer } from "../src/processes.js";

// The cycle scenario: each connection opens a group, repeats it, resolves it, then the next.

interface Received {
  status: string;
  groupKey: string;
  alerts: number;
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });

describe("the cycle's load", () => {
  it("sends each connection's groups in order: open, duplicates, resolve, one group each", async () => {
    const bySocket = new Map<Socket, Received[]>();
    const bodies = new Set<string>();
    const server = createServer(async (request, response) => {
      const body = await read(request);
      bodies.add(body);
      const parsed = JSON.parse(body) as { status: string; groupKey: string; alerts: unknown[] };
      const received = bySocket.get(request.socket) ?? [];
      received.push({
        status: parsed.status,
        groupKey: parsed.groupKey,
        alerts: parsed.alerts.length,
      });
      bySocket.set(request.socket, received);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await drive({
        url: `http://127.0.0.1:${port}`,
        path: "/v1/process",
        connections: 4,
        seconds: 1,
        templates: cycleTemplates(),
        token: "t",
        nextId: idSource("abc123"),
      });
      expect(outcome.non2xx + outcome.timeouts + outcome.otherErrors).toBe(0);
      expect(bySocket.size).toBe(4);
      // Every body differs from every other: none is a retry the service would replay. (The
      // server may have received a call or two whose answer came after the window closed.)
      const received = [...bySocket.values()].reduce((sum, calls) => sum + calls.length, 0);
      expect(bodies.size).toBe(received);
      expect(received).toBeGreaterThanOrEqual(outcome.responses);
      const steps = CYCLE_DUPLICATES + 2;
      const groups = new Set<string>();
      for (const received of bySocket.values()) {
        expect(received.length).toBeGreaterThan(steps * 2);
        received.forEach((call, index) => {
          const step = index % steps;
          const opening = received[index - step];
          expect(call.status).toBe(step === steps - 1 ? "resolved" : "firing");
          expect(call.alerts).toBe(2 + Math.min(step, CYCLE_DUPLICATES));
          expect(call.groupKey).toBe(opening?.groupKey);
          if (step === 0) {
            expect(groups.has(call.groupKey)).toBe(false);
            groups.add(call.groupKey);
          }
        });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the cycle against the service", () => {
  const dbName = uniqueDatabaseName("bench_cycle");
  const uri = inject("mongodbUri");
  let service: Awaited<ReturnType<typeof startServer>> | undefined;
  let token = "";

  beforeAll(async () => {
    token = (await configureService(uri, dbName)).globalSecret;
    const port = await freePort();
    service = await startServer({
      name: "service",
      launcher: serviceLauncher,
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        MONGODB_URI: uri,
        MONGODB_DB: dbName,
        LOG_LEVEL: "warn",
        RATE_LIMIT_PER_MINUTE: "1000000000",
        ACCOUNT_RATE_LIMIT_PER_MINUTE: "1000000000",
        MAX_BODY_READS_PER_CLIENT: "0",
      },
      port,
      readyPath: "/readyz",
      logFile: join(tmpdir(), `${dbName}-service.log`),
    });
  });
  afterAll(async () => {
    await service?.stop();
    const client = new MongoClient(uri);
    try {
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });

  it("opens one incident per group (201), appends the duplicates and resolves it (200)", async () => {
    if (!service) throw new Error("the service did not start");
    const connections = 4;
    const outcome = await drive({
      url: service.url,
      path: "/v1/process",
      connections,
      seconds: 2,
      templates: cycleTemplates(),
      token,
      nextId: idSource("cyc123"),
    });
    expect(outcome.non2xx + outcome.timeouts + outcome.otherErrors).toBe(0);
    expect(Object.keys(outcome.statusCodes).sort()).toEqual(["200", "201"]);
    const opened = outcome.statusCodes["201"] ?? 0;
    const repeatedOrResolved = outcome.statusCodes["200"] ?? 0;
    // Each group: one 201, then CYCLE_DUPLICATES + 1 answers of 200; a connection's last group
    // may be cut short by the end of the window.
    expect(opened).toBeGreaterThan(connections);
    expect(repeatedOrResolved).toBeGreaterThan((CYCLE_DUPLICATES + 1) * (opened - connections) - 1);
    expect(repeatedOrResolved).toBeLessThanOrEqual((CYCLE_DUPLICATES + 1) * opened);
    const client = new MongoClient(uri);
    try {
      const incidents = client.db(dbName).collection("incidents");
      // A connection's last call may have been answered after the window closed.
      const stored = await incidents.countDocuments({});
      expect(stored).toBeGreaterThanOrEqual(opened);
      expect(stored).toBeLessThanOrEqual(opened + connections);
      expect(await incidents.countDocuments({ status: "resolved" })).toBeGreaterThanOrEqual(
        opened - connections,
      );
    } finally {
      await client.close();
    }
  });
});
