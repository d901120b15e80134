import {
  acknowledgeIncident,
  createRequest,
  createService,
  createToken,
  deleteService,
  getIncident,
  getRequest,
  getService,
  listIncidents,
  listRequests,
  listServices,
  listTokens,
  resolveIncident,
  revokeToken,
  rotateToken,
  setServiceFilter,
  unacknowledgeIncident,
  updateService,
} from "@sqibs/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import {
  clientFor,
  newAccount,
  openIncident,
  problemOf,
  type TestAccount,
  trigger,
} from "./support.js";

/** Account B holds a valid admin token; every id it names belongs to account A. */
describe("account isolation: another account's ids are 404, never a leak", () => {
  let service: TestService;
  let a: TestAccount;
  let b: TestAccount;
  let serviceId: string;
  let tokenId: string;
  let tokenSecret: string;
  let incidentId: string;
  let requestId: string;

  beforeAll(async () => {
    service = await startTestService("mgmt-isolation");
    a = await newAccount(service, { accountName: "A" });
    b = await newAccount(service, { accountName: "B" });
    serviceId = (await createService({ client: a.admin, body: { name: "A's" } })).data?.id ?? "";
    const token = await createToken({
      client: a.admin,
      body: { name: "a-sender", scope: "service", serviceId },
    });
    tokenId = token.data?.token.id ?? "";
    tokenSecret = token.data?.secret ?? "";
    incidentId = await openIncident(a.ingest);
    requestId = (await createRequest({ client: a.ingest, body: { x: 1 } })).data?.id ?? "";
    await trigger(b.ingest);
  });
  afterAll(() => service.close());

  it("services: GET, PATCH, PUT filter and DELETE are 404", async () => {
    const path = { serviceId };
    const notFound = [
      await getService({ client: b.admin, path }),
      await updateService({ client: b.admin, path, body: { name: "stolen" } }),
      await setServiceFilter({ client: b.admin, path, body: { titleKey: "x" } }),
      await deleteService({ client: b.admin, path }),
    ];
    for (const answer of notFound) {
      const problem = problemOf(answer, 404);
      expect(problem.detail).toBe(`No service with id ${serviceId} in this account.`);
    }
    const unchanged = await getService({ client: a.admin, path });
    expect(unchanged.data).toMatchObject({ name: "A's" });
    expect(unchanged.data).not.toHaveProperty("titleKey");
  });

  it("tokens: revoke and rotate are 404, and A's token keeps working", async () => {
    const path = { tokenId };
    problemOf(await revokeToken({ client: b.admin, path }), 404);
    problemOf(await rotateToken({ client: b.admin, path }), 404);
    const sender = clientFor(service, tokenSecret);
    expect((await trigger(sender)).triggered.created).toBe(true);
  });

  it("incidents: GET and every transition are 404, and the incident is untouched", async () => {
    const path = { incidentId };
    problemOf(await getIncident({ client: b.admin, path }), 404);
    problemOf(await acknowledgeIncident({ client: b.admin, path }), 404);
    problemOf(await unacknowledgeIncident({ client: b.admin, path }), 404);
    problemOf(await resolveIncident({ client: b.admin, path }), 404);
    const incident = await getIncident({ client: a.admin, path });
    expect(incident.data).toMatchObject({ status: "triggered", eventCount: 1 });
  });

  it("requests: GET is 404", async () => {
    problemOf(await getRequest({ client: b.admin, path: { requestId } }), 404);
  });

  it("lists hold only the caller's own items, even filtered by A's ids", async () => {
    const services = await listServices({ client: b.admin });
    expect(services.data?.items.map((item) => item.id)).toEqual([b.serviceId]);
    const tokens = await listTokens({ client: b.admin });
    expect(tokens.data?.items.every((token) => !token.serviceId)).toBe(true);
    expect(tokens.data?.items.map((token) => token.id)).not.toContain(tokenId);
    const incidents = await listIncidents({ client: b.admin });
    expect(incidents.data?.items.map((item) => item.serviceId)).toEqual([b.serviceId]);
    const filtered = await listIncidents({ client: b.admin, query: { serviceId } });
    expect(filtered.data?.items).toEqual([]);
    expect((await listRequests({ client: b.admin })).data?.items).toEqual([]);
  });

  it("B's cursor cannot reach A's items", async () => {
    const aPage = await listIncidents({ client: a.admin, query: { limit: 1 } });
    const cursor = aPage.data?.nextCursor;
    expect(cursor).toBeDefined();
    const bPage = await listIncidents({ client: b.admin, query: { cursor: cursor ?? "" } });
    expect(bPage.data?.items.every((item) => item.serviceId === b.serviceId)).toBe(true);
  });
});
