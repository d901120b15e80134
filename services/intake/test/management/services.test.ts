import {
  createService,
  createToken,
  deleteService,
  getService,
  listServices,
  listTokens,
  processIncident,
  updateService,
} from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { clientFor, problemOf, raw, serviceWithAccount, trigger, UNKNOWN_ID } from "./support.js";

describe("/v1/services", () => {
  const { service, acme } = serviceWithAccount("mgmt-services");

  it("201: creates an active service with its keys", async () => {
    const { data, response } = await createService({
      client: acme.admin,
      body: { name: " Checkout ", titleKey: "commonAnnotations.summary", descriptionKey: "msg" },
    });
    expect(response?.status).toBe(201);
    expect(data).toMatchObject({
      name: "Checkout",
      state: "active",
      titleKey: "commonAnnotations.summary",
      descriptionKey: "msg",
    });
    expect(data?.id).toMatch(/^[0-9a-f]{24}$/);
    expect(data?.filter).toBeUndefined();
  });

  it("201: creates a service in another state", async () => {
    const { data } = await createService({
      client: acme.admin,
      body: { name: "Batch jobs", state: "disabled" },
    });
    expect(data).toMatchObject({ state: "disabled", inMaintenance: false });
    expect(data).not.toHaveProperty("maintenance");
  });

  it("400: no name, a blank name, an unknown state, a blank key", async () => {
    const missing = await createService({ client: acme.admin, body: {} as { name: string } });
    expect(problemOf(missing, 400).errors?.[0]?.field).toBe("name");
    const blank = await createService({ client: acme.admin, body: { name: "   " } });
    expect(problemOf(blank, 400).errors).toEqual([{ field: "name", message: "must not be blank" }]);
    const state = await createService({
      client: acme.admin,
      body: { name: "x", state: "paused" as "active" },
    });
    expect(problemOf(state, 400).errors?.[0]?.field).toBe("state");
    const key = await createService({ client: acme.admin, body: { name: "x", titleKey: " " } });
    expect(problemOf(key, 400).errors).toEqual([
      { field: "titleKey", message: "must not be blank" },
    ]);
  });

  it("200: lists the account's services, oldest first", async () => {
    const { data } = await listServices({ client: acme.admin });
    const names = data?.items.map((item) => item.name);
    expect(names).toEqual(["Default service", "Checkout", "Batch jobs"]);
  });

  it("200: shows one service; 404 for an unknown or malformed id", async () => {
    const { data } = await getService({ client: acme.admin, path: { serviceId: acme.serviceId } });
    expect(data).toMatchObject({ id: acme.serviceId, name: "Default service", state: "active" });
    const unknown = await getService({ client: acme.admin, path: { serviceId: UNKNOWN_ID } });
    expect(problemOf(unknown, 404).detail).toContain(UNKNOWN_ID);
    problemOf(await getService({ client: acme.admin, path: { serviceId: "nope" } }), 404);
  });

  it("200: PATCH renames, changes the state, and null removes a key", async () => {
    const created = await createService({
      client: acme.admin,
      body: { name: "Old", titleKey: "a", descriptionKey: "b" },
    });
    const serviceId = created.data?.id ?? "";
    const { data } = await updateService({
      client: acme.admin,
      path: { serviceId },
      body: { name: "New", state: "disabled", titleKey: null, descriptionKey: "c" },
    });
    expect(data).toMatchObject({ name: "New", state: "disabled", descriptionKey: "c" });
    expect(data).not.toHaveProperty("titleKey");
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data).toEqual(data);
  });

  it("applies every one of several changes made to one service at the same moment", async () => {
    const created = await createService({ client: acme.admin, body: { name: "Busy" } });
    const serviceId = created.data?.id ?? "";
    const path = { serviceId };
    const changes = [
      { name: "Renamed" },
      { state: "disabled" as const },
      { titleKey: "commonAnnotations.summary" },
      { descriptionKey: "commonAnnotations.description" },
    ];
    const answers = await Promise.all(
      changes.map((body) => updateService({ client: acme.admin, path, body })),
    );
    expect(answers.map((answer) => answer.response?.status)).toEqual([200, 200, 200, 200]);
    const shown = await getService({ client: acme.admin, path });
    expect(shown.data).toMatchObject(Object.assign({}, ...changes));
  });

  it("the state decides ingest: a disabled service creates nothing", async () => {
    const { data } = await createService({ client: acme.admin, body: { name: "Solo" } });
    const serviceId = data?.id ?? "";
    const { data: token } = await createToken({
      client: acme.admin,
      body: { name: "solo", scope: "service", serviceId },
    });
    const sender = clientFor(service, token?.secret ?? "");
    expect((await trigger(sender)).triggered.created).toBe(true);
    await updateService({ client: acme.admin, path: { serviceId }, body: { state: "disabled" } });
    const after = await trigger(sender);
    expect(after.triggered.created).toBe(false);
  });

  it("400/404/415 on PATCH", async () => {
    const blank = await updateService({
      client: acme.admin,
      path: { serviceId: acme.serviceId },
      body: { name: "" },
    });
    problemOf(blank, 400);
    const missing = await updateService({
      client: acme.admin,
      path: { serviceId: UNKNOWN_ID },
      body: { name: "x" },
    });
    problemOf(missing, 404);
    // Maintenance has its own endpoints (PUT/DELETE /v1/services/{id}/maintenance).
    const maintenance = await updateService({
      client: acme.admin,
      path: { serviceId: acme.serviceId },
      body: { state: "maintenance" as "active" },
    });
    expect(problemOf(maintenance, 400).errors?.[0]?.field).toBe("state");
    const text = await raw(service, "PATCH", `/v1/services/${acme.serviceId}`, {
      headers: { authorization: `Bearer ${acme.adminToken.secret}`, "content-type": "text/plain" },
      body: "name=x",
    });
    expect(text.status).toBe(415);
  });

  it("204: DELETE removes the service and revokes its service tokens at once", async () => {
    const { data } = await createService({ client: acme.admin, body: { name: "Doomed" } });
    const serviceId = data?.id ?? "";
    const issued = await createToken({
      client: acme.admin,
      body: { name: "doomed", scope: "service", serviceId },
    });
    const sender = clientFor(service, issued.data?.secret ?? "");
    expect((await trigger(sender)).triggered.created).toBe(true);

    const deleted = await deleteService({ client: acme.admin, path: { serviceId } });
    expect(deleted.response?.status).toBe(204);

    problemOf(await getService({ client: acme.admin, path: { serviceId } }), 404);
    problemOf(await deleteService({ client: acme.admin, path: { serviceId } }), 404);
    problemOf(await processIncident({ client: sender, body: { after: "delete" } }), 401);
    const tokens = await listTokens({ client: acme.admin });
    const revoked = tokens.data?.items.find((token) => token.id === issued.data?.token.id);
    expect(revoked?.revokedAt).toBeDefined();
  });

  it("401 without a token, 403 with an ingest token, on every operation", async () => {
    const path = { serviceId: acme.serviceId };
    const anonymous = clientFor(service, "");
    for (const client of [anonymous, acme.ingest]) {
      const status = client === anonymous ? 401 : 403;
      problemOf(await listServices({ client }), status);
      problemOf(await createService({ client, body: { name: "x" } }), status);
      problemOf(await getService({ client, path }), status);
      problemOf(await updateService({ client, path, body: { name: "x" } }), status);
      problemOf(await deleteService({ client, path }), status);
    }
    expect((await getService({ client: acme.admin, path })).data?.name).toBe("Default service");
  });
});
