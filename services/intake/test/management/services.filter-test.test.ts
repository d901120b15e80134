import {
  type Client,
  createService,
  createToken,
  endServiceMaintenance,
  type FilterTestInput,
  getIncident,
  getService,
  listApiLogs,
  listIncidents,
  processIncident,
  setServiceFilter,
  setServiceMaintenance,
  testServiceFilter,
  updateService,
} from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { clientFor, problemOf, serviceWithAccount, UNKNOWN_ID } from "./support.js";

const FILTER = {
  triggers: [
    {
      urgency: "high" as const,
      conditions: [
        { key: "status", contains: ["firing"] },
        { key: "commonLabels.severity", contains: ["critical"] },
      ],
      titleKey: "commonAnnotations.summary",
      descriptionKey: "commonAnnotations.description",
      correlationKey: "groupKey",
    },
    {
      urgency: "low" as const,
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "commonAnnotations.summary",
      correlationKey: "groupKey",
      autoResolveAfterSeconds: 3600,
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
};

const alert = (status: string, groupKey: string, severity: string, summary = "Disk full") =>
  JSON.stringify({
    status,
    groupKey,
    commonLabels: { severity },
    commonAnnotations: { summary, description: `${summary} on db-1` },
  });

describe("POST /v1/services/{serviceId}/filter/test", () => {
  const { service, acme } = serviceWithAccount("mgmt-filter-test");
  let serviceId: string;
  let sender: Client;

  const trial = (body: FilterTestInput, id = serviceId, client = acme.admin) =>
    testServiceFilter({ client, path: { serviceId: id }, body });

  /** Everything the trials could have written: incidents and API call log entries. */
  async function written() {
    const incidents = await listIncidents({ client: acme.admin, query: { limit: 100 } });
    const logs = await listApiLogs({ client: acme.admin, query: { limit: 100 } });
    return { incidents: incidents.data?.items.length, logs: logs.data?.items.length };
  }

  beforeAll(async () => {
    const created = await createService({ client: acme.admin, body: { name: "Alertmanager" } });
    serviceId = created.data?.id ?? "";
    await setServiceFilter({ client: acme.admin, path: { serviceId }, body: FILTER });
    const token = await createToken({
      client: acme.admin,
      body: { name: "am", scope: "service", serviceId, debug: true },
    });
    sender = clientFor(service, token.data?.secret ?? "");
  });

  it("200: the trigger that passes, its title, description, urgency and correlation value; writes nothing", async () => {
    const before = await written();
    const critical = await trial({
      payload: alert("firing", "g-1", "critical"),
      contentType: "application/json",
      from: "Prometheus",
    });
    expect(critical.response?.status).toBe(200);
    expect(critical.data).toEqual({
      decision: "trigger",
      triggerIndex: 0,
      urgency: "high",
      title: "Prometheus - Disk full",
      description: "Disk full on db-1",
      correlationKey: "g-1",
      maintenance: false,
    });
    const warning = await trial({ payload: alert("firing", "g-2", "warning", "CPU hot") });
    expect(warning.data).toMatchObject({
      decision: "trigger",
      triggerIndex: 1,
      urgency: "low",
      title: "CPU hot",
      correlationKey: "g-2",
      autoResolveAfterSeconds: 3600,
    });
    expect(await written()).toEqual(before);

    // What the trial said is what /v1/process does.
    const sent = await processIncident({
      client: sender,
      body: JSON.parse(alert("firing", "g-1", "critical")),
      query: { from: "Prometheus" },
    });
    const incident = await getIncident({
      client: acme.admin,
      path: { incidentId: sent.data?.incidents[0]?.id ?? "" },
    });
    expect(incident.data).toMatchObject({
      title: critical.data?.title,
      description: critical.data?.description,
      urgency: critical.data?.urgency,
      correlationKey: critical.data?.correlationKey,
    });
  });

  it("200: a resolve, and a payload no trigger passes", async () => {
    const before = await written();
    const resolve = await trial({ payload: alert("resolved", "g-1", "critical") });
    expect(resolve.data).toEqual({
      decision: "resolve",
      correlationKey: "g-1",
      maintenance: false,
    });
    const ignored = await trial({ payload: JSON.stringify({ status: "pending" }) });
    expect(ignored.data).toEqual({
      decision: "skipped",
      reason: "no-filter-passed",
      maintenance: false,
    });
    expect(await written()).toEqual(before);
    // The open incident was not resolved by the trial.
    const open = await listIncidents({ client: acme.admin, query: { status: "triggered" } });
    expect(open.data?.items.map((item) => item.correlationKey)).toEqual(["g-1"]);
  });

  it("200: maintenance suppresses matching triggers, lets resolves through; a disabled service is skipped", async () => {
    await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: { tags: [["disk"]] },
    });
    const before = await written();
    const suppressed = await trial({ payload: alert("firing", "g-3", "critical", "Disk full") });
    expect(suppressed.data).toEqual({
      decision: "suppressed",
      reason: "maintenance",
      maintenance: true,
    });
    const resolve = await trial({ payload: alert("resolved", "g-1", "critical", "Disk full") });
    expect(resolve.data).toEqual({ decision: "resolve", correlationKey: "g-1", maintenance: true });
    const other = await trial({ payload: alert("firing", "g-4", "critical", "CPU hot") });
    expect(other.data).toMatchObject({ decision: "trigger", maintenance: false });
    await endServiceMaintenance({ client: acme.admin, path: { serviceId } });

    await updateService({ client: acme.admin, path: { serviceId }, body: { state: "disabled" } });
    const skipped = await trial({ payload: alert("firing", "g-5", "critical") });
    expect(skipped.data).toEqual({ decision: "skipped", reason: "disabled", maintenance: false });
    await updateService({ client: acme.admin, path: { serviceId }, body: { state: "active" } });
    // Neither the suppressed trial nor the skipped one is in the API call log.
    expect(await written()).toEqual(before);
  });

  it("200: an inline filter is tried instead of the saved one, and not saved", async () => {
    const plain = await trial({
      payload: "nightly backup FAILED: exit code 2",
      contentType: "text/plain; charset=utf-8",
      from: "cron",
      filter: {
        triggers: [
          {
            urgency: "low",
            conditions: [{ key: "$text", contains: ["failed"] }],
            correlationKey: "$text",
          },
        ],
      },
    });
    expect(plain.data).toMatchObject({
      decision: "trigger",
      triggerIndex: 0,
      urgency: "low",
      correlationKey: "nightly backup FAILED: exit code 2",
      description: "nightly backup FAILED: exit code 2",
    });
    expect(plain.data?.title).toContain("cron");

    // The simple form: no triggers, every call passes with the default rules.
    const simple = await trial({
      payload: JSON.stringify({ status: "pending", summary: "Queue stuck" }),
      filter: { titleKey: "summary" },
    });
    expect(simple.data).toEqual({
      decision: "trigger",
      urgency: "high",
      title: "Queue stuck",
      description: expect.any(String),
      maintenance: false,
    });
    const saved = await getService({ client: acme.admin, path: { serviceId } });
    expect(saved.data?.filter).toEqual(FILTER);
    expect(saved.data).not.toHaveProperty("titleKey");
  });

  it("reads the payload as /v1/process would: charset ignored, no type is sniffed, a non-text type is empty", async () => {
    const latin = await trial({
      payload: alert("firing", "g-6", "critical", "Überhitzung im Rechenzentrum"),
      contentType: "application/json; charset=iso-8859-1",
    });
    expect(latin.data?.title).toBe("Überhitzung im Rechenzentrum");
    const untyped = await trial({ payload: alert("firing", "g-7", "critical") });
    expect(untyped.data?.decision).toBe("trigger");
    const binary = await trial({
      payload: alert("firing", "g-8", "critical"),
      contentType: "application/octet-stream",
    });
    expect(binary.data).toMatchObject({ decision: "skipped", reason: "no-filter-passed" });
  });

  it("400 names the field (the inline filter's as filter.<field>), 404, 403", async () => {
    const missing = await trial({} as FilterTestInput);
    expect(problemOf(missing, 400).errors?.[0]?.field).toBe("payload");
    const long = await trial({
      payload: "{}",
      filter: {
        triggers: [{ urgency: "high", conditions: [{ key: "k", contains: ["x".repeat(51)] }] }],
      },
    });
    expect(problemOf(long, 400).errors?.[0]?.field).toBe(
      "filter.triggers[0].conditions[0].contains[0]",
    );
    // A rule the schema cannot say (blank key), checked like PUT /filter checks it.
    const blank = await trial({ payload: "{}", filter: { titleKey: "   " } });
    expect(problemOf(blank, 400).errors).toEqual([
      { field: "filter.titleKey", message: "must not be blank" },
    ]);
    problemOf(await trial({ payload: "{}" }, UNKNOWN_ID), 404);
    problemOf(await trial({ payload: "{}" }, serviceId, acme.ingest), 403);
    problemOf(await trial({ payload: "{}" }, serviceId, clientFor(service, "")), 401);
  });
});
