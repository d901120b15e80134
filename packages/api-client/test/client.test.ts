import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, createConfig, credentials, processIncident } from "../src/index.js";

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage["headers"];
  body: string;
}

describe("the generated client", () => {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(201, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "c1",
          triggered: { created: true, duplicate: false },
          resolved: { resolved: false, duplicate: false },
          incidents: [],
        }),
      );
    });
  });
  let baseUrl = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts to /v1/process with the from parameter, the Bearer token and the JSON body", async () => {
    const client = createClient(
      createConfig({ baseUrl, auth: credentials.bearer("sqibs_g_secret") }),
    );
    const result = await processIncident({
      client,
      query: { from: "Prometheus" },
      body: { status: "firing" },
    });
    expect(result.response?.status).toBe(201);
    expect(result.data?.triggered.created).toBe(true);
    const request = seen.at(-1);
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/v1/process?from=Prometheus");
    expect(request?.headers.authorization).toBe("Bearer sqibs_g_secret");
    expect(request?.headers["x-callgoose-auth"]).toBeUndefined();
    expect(JSON.parse(request?.body ?? "")).toEqual({ status: "firing" });
  });

  it.each([
    [
      "basic",
      credentials.basic("t0k"),
      (r: Seen) => r.headers.authorization,
      `Basic ${btoa("sqibs:t0k")}`,
    ],
    [
      "callgooseHeader",
      credentials.callgooseHeader("t0k"),
      (r: Seen) => r.headers["x-callgoose-auth"],
      "t0k",
    ],
    ["query", credentials.query("t0k"), (r: Seen) => r.url, "/v1/process?token=t0k"],
  ])("sends the token by %s only", async (_name, auth, read, expected) => {
    const client = createClient(createConfig({ baseUrl, auth }));
    await processIncident({ client, body: { status: "firing" } });
    const request = seen.at(-1) as Seen;
    expect(read(request)).toBe(expected);
    const places = [
      request.headers.authorization,
      request.headers["x-callgoose-auth"],
      request.url?.includes("token="),
    ];
    expect(places.filter(Boolean)).toHaveLength(1);
  });
});
