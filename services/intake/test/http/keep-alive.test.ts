import { Agent, request as httpRequest } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configWith } from "../../src/config.js";
import { createHttpServer } from "../../src/http/http-server.js";

/**
 * A request answered before its body was read (refused at the door) arms a timer that cuts
 * a trickling sender off. On a kept-alive connection, each such request used to leave a
 * "close" listener on the socket until the connection ended: Node warned of a leak after ten.
 */
describe("requests answered before their body was read, on one kept-alive connection", () => {
  const sockets: Socket[] = [];
  const server = createHttpServer(
    (_req, res) => {
      res.statusCode = 401;
      res.end();
    },
    configWith({ MONGODB_URI: "mongodb://127.0.0.1:1/" }),
  );
  server.on("connection", (socket: Socket) => sockets.push(socket));
  let url = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/process`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function post(agent: Agent): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ title: "x".repeat(4_096) }));
    });
  }

  it("leave no listener behind on the socket", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await post(agent)).toBe(401);
    await new Promise((resolve) => setImmediate(resolve));
    const [socket] = sockets;
    const afterFirst = socket?.listenerCount("close") ?? -1;
    for (let i = 0; i < 30; i += 1) expect(await post(agent)).toBe(401);
    await new Promise((resolve) => setImmediate(resolve));
    agent.destroy();
    expect(sockets).toHaveLength(1);
    expect(socket?.listenerCount("close")).toBe(afterFirst);
  });
});
