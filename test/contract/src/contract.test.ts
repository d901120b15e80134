// Consumer scenarios written only against the generated client. Each runs twice: against
// `prism mock` of the bundled spec, and against the live service behind `prism proxy`.
// Where a mock cannot produce an outcome by itself (it keeps no state), the scenario asks
// for the documented status with Prism's `Prefer: code=` header on the mock run only.
import { readFileSync } from "node:fs";
import {
  type Client,
  createClient,
  createConfig,
  createRequest,
  createService,
  createToken,
  credentials,
  deleteService,
  getIncident,
  getService,
  listIncidents,
  listServices,
  listTokens,
  processIncident,
  revokeToken,
  rotateToken,
  setServiceFilter,
  updateService,
} from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { contract, live } from "./context.js";

type Auth = Parameters<typeof credentials.bearer>[0];
const clientWith = (
  auth: (token: Auth) => ReturnType<typeof credentials.bearer>,
  token: string,
): Client => createClient(createConfig({ baseUrl: contract.baseUrl, auth: auth(token) }));

const ingest = clientWith(credentials.bearer, contract.globalToken);
const admin = clientWith(credentials.bearer, contract.adminToken);
const anonymous = createClient(createConfig({ baseUrl: contract.baseUrl }));

/** On the mock run, the header that makes Prism answer the documented status. */
const onMock = (status: number) => (live ? {} : { Prefer: `code=${status}` });
const liveOnly = it.runIf(live);
const DELIBERATELY_UNAUTHENTICATED = 1;

const ALERT = {
  status: "firing",
  groupKey: "contract-1",
  commonAnnotations: { summary: "Checkout error rate above 5%" },
};

function expectProblem(error: unknown, status: number) {
  expect(error).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
}

describe(`the SQIBS intake contract (${contract.target})`, () => {
  it.each([
    ["Authorization: Bearer", credentials.bearer],
    ["the token URL parameter", credentials.query],
    ["X-Callgoose-Auth", credentials.callgooseHeader],
    ["HTTP Basic", credentials.basic],
  ])("posts an incident with %s", async (_name, auth) => {
    const client = clientWith(auth, contract.globalToken);
    const { data, response } = await processIncident({
      client,
      query: { from: "Prometheus" },
      body: { ...ALERT, groupKey: `contract-${_name}` },
    });
    expect([200, 201, 202]).toContain(response?.status);
    expect(data?.triggered.created).toEqual(expect.any(Boolean));
    expect(data?.incidents).toEqual(expect.any(Array));
  });

  it("posts a request", async () => {
    const { data, response } = await createRequest({
      client: ingest,
      query: { from: "Jira" },
      body: { workflowId: "wf-onboarding", user: "ana@example.com" },
    });
    expect(response?.status).toBe(201);
    expect(data?.request.title).toEqual(expect.any(String));
  });

  it("reads incidents back, newest first, and one incident in full", async () => {
    const page = await listIncidents({ client: admin, query: { limit: 10 } });
    expect(page.response?.status).toBe(200);
    const first = page.data?.items[0];
    expect(first?.id).toEqual(expect.any(String));
    const incident = await getIncident({ client: admin, path: { incidentId: first?.id ?? "" } });
    expect(incident.response?.status).toBe(200);
    expect(incident.data?.events).toEqual(expect.any(Array));
    expect(incident.data?.payload.bodyBase64).toEqual(expect.any(String));
  });

  liveOnly("titles a posted incident by the seed's rules and keeps its payload", async () => {
    const posted = await processIncident({
      client: ingest,
      query: { from: "Prometheus" },
      body: { ...ALERT, groupKey: "contract-title" },
    });
    const id = posted.data?.incidents[0]?.id ?? "";
    const incident = await getIncident({ client: admin, path: { incidentId: id } });
    expect(incident.data?.title).toBe("Prometheus - Checkout error rate above 5%");
    expect(JSON.parse(incident.data?.payload.body ?? "")).toEqual({
      ...ALERT,
      groupKey: "contract-title",
    });
  });

  it("manages a service: create, list, read, update, set its filter, delete", async () => {
    const created = await createService({
      client: admin,
      body: { name: "Checkout", titleKey: "summary" },
    });
    expect(created.response?.status).toBe(201);
    const serviceId = created.data?.id ?? "";
    const listed = await listServices({ client: admin });
    expect(listed.data?.items).toEqual(expect.any(Array));
    if (live) expect(listed.data?.items.map((service) => service.id)).toContain(serviceId);
    expect((await getService({ client: admin, path: { serviceId } })).response?.status).toBe(200);
    const renamed = await updateService({
      client: admin,
      path: { serviceId },
      body: { name: "Checkout API" },
    });
    expect(renamed.response?.status).toBe(200);
    const filtered = await setServiceFilter({
      client: admin,
      path: { serviceId },
      body: {
        triggers: [
          {
            urgency: "high",
            conditions: [{ key: "status", contains: ["firing"] }],
            correlationKey: "groupKey",
          },
        ],
        resolve: {
          condition: { key: "status", contains: ["resolved"] },
          correlationKey: "groupKey",
        },
      },
    });
    expect(filtered.response?.status).toBe(200);
    expect((await deleteService({ client: admin, path: { serviceId } })).response?.status).toBe(
      204,
    );
  });

  it("manages tokens: create (secret shown once), list, rotate, revoke", async () => {
    const created = await createToken({
      client: admin,
      body: { name: "grafana", scope: "global" },
    });
    expect(created.response?.status).toBe(201);
    expect(created.data?.secret).toEqual(expect.any(String));
    const tokenId = created.data?.token.id ?? "";
    const listed = await listTokens({ client: admin });
    expect(JSON.stringify(listed.data)).not.toContain(live ? created.data?.secret : "sqibs_g_mock");
    const rotated = await rotateToken({
      client: admin,
      path: { tokenId },
      body: { graceSeconds: 60 },
    });
    expect(rotated.response?.status).toBe(200);
    expect((await revokeToken({ client: admin, path: { tokenId } })).response?.status).toBe(204);
  });

  it("answers 401 problem+json without a token", async () => {
    const { error, response } = await processIncident({ client: anonymous, body: ALERT });
    expect(response?.status).toBe(401);
    expectProblem(error, 401);
  });

  it("answers 403 problem+json to an ingest token on the management API", async () => {
    const { error, response } = await listTokens({ client: ingest, headers: onMock(403) });
    expect(response?.status).toBe(403);
    expectProblem(error, 403);
  });

  it("answers 404 problem+json for an incident of no one", async () => {
    const { error, response } = await getIncident({
      client: admin,
      path: { incidentId: "000000000000000000000000" },
      headers: onMock(404),
    });
    expect(response?.status).toBe(404);
    expectProblem(error, 404);
  });

  it("answers 413 problem+json to a body over the limit", async () => {
    const { error, response } = await processIncident({
      client: ingest,
      body: { blob: "x".repeat(1024 * 1024 + 1) },
      headers: onMock(413),
    });
    expect(response?.status).toBe(413);
    expectProblem(error, 413);
  });

  it.runIf(!live)("documents 429 problem+json with Retry-After", async () => {
    const { error, response } = await processIncident({
      client: ingest,
      body: ALERT,
      headers: onMock(429),
    });
    expect(response?.status).toBe(429);
    expect(response?.headers.get("retry-after")).toBeTruthy();
    expectProblem(error, 429);
  });

  liveOnly("passed through prism proxy with no contract violation", () => {
    const log = readFileSync(contract.proxyLog ?? "", "utf8");
    const violations = log.split("\n").filter((line) => /Violation:/.test(line));
    // The one request this suite sends without credentials on purpose (the 401 scenario) is
    // the only violation allowed; any other request or any response Prism flags fails.
    const deliberate = violations.filter((line) =>
      /Violation: request Invalid security scheme used/.test(line),
    );
    expect(deliberate.length).toBeLessThanOrEqual(DELIBERATELY_UNAUTHENTICATED);
    expect(violations.filter((line) => !deliberate.includes(line))).toEqual([]);
  });
});
