import { startTcpProxy } from "@sqibs/testing";
import { expect, inject, it } from "vitest";
import { openDatabase } from "../src/repositories/database.js";

// Regression: mongodb 7.9 keeps a client closed for good when its first connection fails,
// so a service started during an outage never became ready.
it("connects by itself when the database comes up after the service started", async () => {
  const proxy = await startTcpProxy(inject("mongodbUri"));
  await proxy.cut();
  const database = openDatabase({ uri: proxy.uri, dbName: "t_startup_outage", timeoutMs: 300 });
  try {
    await expect(database.ping()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await proxy.restore();
    await expect
      .poll(
        async () =>
          database.ping().then(
            () => "up",
            () => "down",
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe("up");
  } finally {
    await database.close();
    await proxy.close();
  }
});
