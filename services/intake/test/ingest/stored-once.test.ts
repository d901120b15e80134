import { randomBytes } from "node:crypto";
import { Binary, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAYLOAD_APART_BYTES } from "../../src/repositories/incidents.js";
import { startTestService, type TestService } from "../harness.js";
import { raw } from "../management/support.js";
import { bearer, payloadBytes, post, storedBytes } from "./support.js";

describe("a payload that is the whole description is stored once", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("stored-once");
    account = await service.account({ descriptionKey: "description" });
  });
  afterAll(() => service.close());

  const ingest = (body: string | Uint8Array, contentType: string) =>
    post(service, {
      body,
      headers: { "content-type": contentType, ...bearer(account.globalToken.secret) },
    });

  const documentOf = (id: string) =>
    service.deps.repositories.database.db
      .collection("incidents")
      .findOne({ _id: new ObjectId(id) });

  async function detailOf(id: string) {
    const answer = await raw(service, "GET", `/v1/incidents/${id}`, {
      headers: bearer(account.adminToken.secret),
    });
    expect(answer.status).toBe(200);
    return answer.json as { description: string; payload: { body?: string } };
  }

  it("writes the bytes once, and every read shows them as the description", async () => {
    const body = JSON.stringify({ status: "firing", alerts: ["x".repeat(10_000)] });
    const answer = await ingest(body, "application/json");
    expect(answer.status).toBe(201);
    const id = answer.json.incidents[0].id as string;

    const document = await documentOf(id);
    expect(document).not.toHaveProperty("description");
    expect(storedBytes(document).toString("utf8")).toBe(body);

    const detail = await detailOf(id);
    expect(detail.description).toBe(body);
    expect(detail.payload.body).toBe(body);
  });

  it("keeps a payload inside its incident compressed when that halves it, dense bytes as sent", async () => {
    const alerts = JSON.stringify({ status: "firing", alerts: ["disk full on db-1 ".repeat(600)] });
    const dense = JSON.stringify({ status: "firing", blob: randomBytes(6_000).toString("base64") });
    const stored = [];
    for (const body of [alerts, dense]) {
      const answer = await ingest(body, "application/json");
      expect(answer.status).toBe(201);
      const id = answer.json.incidents[0].id as string;
      const document = await documentOf(id);
      if (!document) throw new Error(`incident ${id} is not stored`);
      const payload = document.payload as { body: Binary; encoding?: "br" };
      stored.push({
        encoding: payload.encoding,
        fraction: payload.body.length() / Buffer.byteLength(body),
      });
      expect(storedBytes(document).toString("utf8")).toBe(body);
      expect((await detailOf(id)).payload.body).toBe(body);
    }
    expect(stored[0]).toMatchObject({ encoding: "br" });
    expect(stored[0]?.fraction).toBeLessThan(0.5);
    expect(stored[1]).toEqual({ encoding: undefined, fraction: 1 });
  });

  it("stores the documents prepared while the claims were in flight, never ones prepared for another incident", async () => {
    const { incidents } = service.deps.repositories;
    const body = Buffer.from(
      JSON.stringify({ status: "firing", alerts: ["disk full ".repeat(500)] }),
    );
    const other = Buffer.from(
      JSON.stringify({ status: "firing", alerts: ["cpu hot ".repeat(500)] }),
    );
    const planned = (bytes: Buffer) => {
      const at = new Date();
      return {
        input: {
          accountId: account.account.id,
          serviceId: account.service.id,
          title: "Disk full",
          urgency: "high" as const,
          status: "triggered" as const,
          payload: { contentType: "application/json", body: bytes },
          createdAt: at,
          updatedAt: at,
          deliveryId: `prepared-${new ObjectId().toHexString()}`,
        },
        event: { at, type: "triggered" as const, actor: "token:test" },
      };
    };
    const [prepared, preparedForOther] = incidents.prepareIncidents([
      planned(body),
      planned(other),
    ]);
    if (!prepared || !preparedForOther) throw new Error("nothing prepared");
    // As prepared; then another incident's input given the other's prepared documents.
    const unprepared = planned(body);
    for (const [{ input, event }, documents] of [
      [prepared, prepared],
      [unprepared, preparedForOther],
    ] as const) {
      const opening = { id: new ObjectId().toHexString(), prepared: documents };
      const { incident } = await incidents.openOrAppend(input, event, async () => {}, opening);
      expect(incident.id).toBe(opening.id);
      const document = await documentOf(incident.id);
      expect(document).toMatchObject({ deliveryId: input.deliveryId });
      expect(document?.payload).toMatchObject({ encoding: "br" });
      expect(storedBytes(document).equals(body)).toBe(true);
    }
  });

  it("reads the description back by the payload's charset, the bytes kept as sent", async () => {
    const bytes = Buffer.from("caf\xe9 au lait: disk full", "latin1");
    const answer = await ingest(bytes, "text/plain; charset=iso-8859-1");
    expect(answer.status).toBe(201);
    const id = answer.json.incidents[0].id as string;

    expect(await documentOf(id)).not.toHaveProperty("description");
    expect(storedBytes(await documentOf(id)).equals(bytes)).toBe(true);
    expect((await detailOf(id)).description).toBe("café au lait: disk full");
  });

  it("still stores a description read from the payload's description key", async () => {
    const body = JSON.stringify({ description: "disk full on db-1", host: "db-1" });
    const answer = await ingest(body, "application/json");
    expect(answer.status).toBe(201);
    const id = answer.json.incidents[0].id as string;

    expect(await documentOf(id)).toMatchObject({ description: "disk full on db-1" });
    expect((await detailOf(id)).description).toBe("disk full on db-1");
  });

  it("answers a retried delivery as the first, and the incident reads the same", async () => {
    const body = "backup failed: exit code 2";
    const first = await ingest(body, "text/plain");
    const retry = await ingest(body, "text/plain");
    expect(first.status).toBe(201);
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    expect((await detailOf(first.json.incidents[0].id)).description).toBe(body);
  });
});

describe("a payload above 64 KiB is stored apart from its incident", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("stored-apart");
    account = await service.account();
  });
  afterAll(() => service.close());

  const collection = (name: string) => service.deps.repositories.database.db.collection(name);
  const big = (mark: string) =>
    JSON.stringify({ status: "firing", mark, alerts: ["y".repeat(PAYLOAD_APART_BYTES)] });

  it("keeps the incident small, the payload whole under its delivery, and reads both back", async () => {
    const body = big("apart");
    const send = () =>
      post(service, {
        body,
        headers: { "content-type": "application/json", ...bearer(account.globalToken.secret) },
      });
    const answer = await send();
    expect(answer.status).toBe(201);
    const id = answer.json.incidents[0].id as string;

    const document = await collection("incidents").findOne({ _id: new ObjectId(id) });
    expect(document?.payload).toEqual({ contentType: "application/json", apart: true });
    expect(document).not.toHaveProperty("description");
    const apart = await collection("incident_payloads").findOne({ _id: document?.deliveryId });
    expect(apart?.accountId).toEqual(document?.accountId);
    // It compresses well: stored compressed, read back as received.
    expect(apart?.encoding).toBe("br");
    expect((apart?.body as Binary | undefined)?.length()).toBeLessThan(Buffer.byteLength(body) / 8);
    expect((await payloadBytes(service, document)).toString("utf8")).toBe(body);

    const detail = await raw(service, "GET", `/v1/incidents/${id}`, {
      headers: bearer(account.adminToken.secret),
    });
    expect(detail.json).toMatchObject({ description: body, payload: { body } });

    // A retried delivery is answered as the first and writes the payload no second time.
    const retry = await send();
    expect(retry.json).toEqual({ ...answer.json, replayed: true });
    expect(
      await collection("incident_payloads").countDocuments({ accountId: document?.accountId }),
    ).toBe(1);
  });

  it("stores bytes that do not compress as they are, and reads them back exactly", async () => {
    const body = randomBytes(PAYLOAD_APART_BYTES * 2);
    const answer = await post(service, {
      body,
      headers: {
        "content-type": "application/octet-stream",
        ...bearer(account.globalToken.secret),
      },
    });
    expect(answer.status).toBe(201);
    const id = answer.json.incidents[0].id as string;
    const document = await collection("incidents").findOne({ _id: new ObjectId(id) });
    const apart = await collection("incident_payloads").findOne({ _id: document?.deliveryId });
    expect(apart).not.toHaveProperty("encoding");
    expect(Buffer.from((apart?.body as Binary | undefined)?.buffer ?? []).equals(body)).toBe(true);
    const stored = await service.deps.repositories.incidents.findInAccount(account.account.id, id);
    expect(Buffer.from(stored?.payload.body ?? []).equals(body)).toBe(true);
  });

  it("completes a delivery whose first attempt stored the payload and died before the incident", async () => {
    const { incidents } = service.deps.repositories;
    const body = Buffer.from(big("crashed"));
    const input = {
      accountId: account.account.id,
      serviceId: account.service.id,
      title: "crashed first attempt",
      urgency: "high" as const,
      status: "triggered" as const,
      payload: { contentType: "application/json", body },
      createdAt: new Date(),
      updatedAt: new Date(),
      deliveryId: `${new ObjectId().toHexString()}:${account.service.id}`,
    };
    // What the first attempt left: its payload, under the delivery's id, and no incident.
    await collection("incident_payloads").insertOne({
      _id: input.deliveryId as unknown as ObjectId,
      accountId: new ObjectId(account.account.id),
      contentType: "application/json",
      body: new Binary(body),
    });
    const event = { at: new Date(), type: "triggered" as const, actor: "test" };
    const retried = await incidents.openOrAppend(input, event, async () => {});
    expect(retried.action).toBe("created");

    const stored = await incidents.findInAccount(account.account.id, retried.incident.id);
    expect(Buffer.from(stored?.payload.body ?? []).equals(body)).toBe(true);
    expect(stored?.description).toBe(body.toString("utf8"));
    expect(
      await collection("incident_payloads").countDocuments({
        _id: input.deliveryId as unknown as ObjectId,
      }),
    ).toBe(1);
  });
});
