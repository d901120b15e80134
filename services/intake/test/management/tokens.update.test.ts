import { createToken, listApiLogs, revokeToken, updateToken } from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { clientFor, problemOf, serviceWithAccount, trigger, UNKNOWN_ID } from "./support.js";

describe("PATCH /v1/tokens/{tokenId}", () => {
  const { service, acme } = serviceWithAccount("mgmt-tokens-update");

  it("200: the debug switch turns the API call log on and off for the token's next calls", async () => {
    const issued = await createToken({
      client: acme.admin,
      body: { name: "grafana", scope: "global" },
    });
    const tokenId = issued.data?.token.id ?? "";
    const sender = clientFor(service, issued.data?.secret ?? "");
    await trigger(sender);
    const logged = async () =>
      (await listApiLogs({ client: acme.admin, query: { tokenId } })).data?.items.length;
    expect(await logged()).toBe(0);

    const on = await updateToken({ client: acme.admin, path: { tokenId }, body: { debug: true } });
    expect(on.data).toMatchObject({ id: tokenId, name: "grafana", debug: true });
    await trigger(sender);
    expect(await logged()).toBe(1);

    const off = await updateToken({
      client: acme.admin,
      path: { tokenId },
      body: { debug: false, name: "grafana-prod" },
    });
    expect(off.data).toMatchObject({ name: "grafana-prod", debug: false });
    await trigger(sender);
    expect(await logged()).toBe(1);
  });

  it("400 for a blank name, 404 for an unknown token, 409 for a revoked one", async () => {
    const tokenId = acme.globalToken.token.id;
    const blank = problemOf(
      await updateToken({ client: acme.admin, path: { tokenId }, body: { name: "  " } }),
      400,
    );
    expect(blank.detail).toMatch(/name/);
    problemOf(
      await updateToken({
        client: acme.admin,
        path: { tokenId: UNKNOWN_ID },
        body: { debug: true },
      }),
      404,
    );
    const issued = await createToken({
      client: acme.admin,
      body: { name: "old", scope: "global" },
    });
    const revoked = { tokenId: issued.data?.token.id ?? "" };
    await revokeToken({ client: acme.admin, path: revoked });
    problemOf(await updateToken({ client: acme.admin, path: revoked, body: { debug: true } }), 409);
  });
});
