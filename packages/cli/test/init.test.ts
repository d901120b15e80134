import { bootstrapAccount, createRepositories, ensureIndexes, openDatabase } from "@sqibs/intake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, sqibs, sqibsJson, startService } from "./support.js";

interface InitResult {
  account: { id: string; name: string };
  adminToken: { id: string; secret: string };
}

describe("sqibs init that failed half-way", () => {
  let service: RunningService;
  let database: ReturnType<typeof openDatabase>;
  let repositories: ReturnType<typeof createRepositories>;
  const env = () => ({ MONGODB_URI: service.mongodbUri, MONGODB_DB: service.dbName });

  beforeAll(async () => {
    service = await startService("cli-init-resume");
    database = openDatabase({ uri: service.mongodbUri, dbName: service.dbName, timeoutMs: 5_000 });
    repositories = createRepositories(database);
    await ensureIndexes(repositories);
  });
  afterAll(async () => {
    await database.close();
    await service.stop();
  });

  it("is run again and finishes the same account, instead of refusing or making a second", async () => {
    // The first run: the database goes away once the account, its service and one token are
    // written (the token's secret was never shown).
    let issued = 0;
    const failing = {
      ...repositories,
      tokens: {
        ...repositories.tokens,
        create: (...args: Parameters<typeof repositories.tokens.create>) => {
          issued += 1;
          if (issued > 1) return Promise.reject(new Error("connection lost"));
          return repositories.tokens.create(...args);
        },
      },
    };
    await expect(
      bootstrapAccount(
        { repositories: failing, clock: () => new Date() },
        { accountName: "Acme", language: "de" },
      ),
    ).rejects.toThrow("connection lost");
    const [halfMade] = await database.db.collection("accounts").find().toArray();
    const [unshown] = await repositories.tokens.listByAccount(String(halfMade?._id));

    const again = await sqibs(["init", "--name", "Acme", "--json"], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("finishing the account Acme");
    const result = JSON.parse(again.stdout) as InitResult;
    expect(result.account).toMatchObject({ id: String(halfMade?._id), name: "Acme" });
    expect(await database.db.collection("accounts").countDocuments()).toBe(1);
    expect(await database.db.collection("services").countDocuments()).toBe(1);
    // The token whose secret nobody saw is revoked; the new admin token works.
    const tokens = await repositories.tokens.listByAccount(result.account.id);
    expect(tokens.find((token) => token.id === unshown?.id)?.revokedAt).toBeDefined();
    const account = await fetch(`${service.url}/v1/account`, {
      headers: { authorization: `Bearer ${result.adminToken.secret}` },
    });
    expect(account.status).toBe(200);
    expect(await account.json()).toMatchObject({ id: result.account.id, language: "de" });

    // Finished: a third run refuses as on any database with an account.
    const third = await sqibs(["init", "--name", "Acme"], { env: env() });
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain("already has an account");
    await expect(
      sqibsJson(["init", "--name", "Second", "--force"], { env: env() }),
    ).resolves.toMatchObject({ account: { name: "Second" } });
  });
});
