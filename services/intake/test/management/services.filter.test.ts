import {
  createService,
  createToken,
  getService,
  processIncident,
  type ServiceFilterInput,
  setServiceFilter,
  type TriggerFilter,
} from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { clientFor, problemOf, raw, serviceWithAccount, UNKNOWN_ID } from "./support.js";

const ALERTMANAGER_FILTER: ServiceFilterInput = {
  triggers: [
    {
      urgency: "high",
      conditions: [
        { key: "status", contains: ["firing"] },
        { key: "commonLabels.severity", contains: ["critical"] },
      ],
      titleKey: "commonAnnotations.summary",
      correlationKey: "groupKey",
    },
    {
      urgency: "low",
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "commonAnnotations.summary",
      correlationKey: "groupKey",
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
  duplicateWindowSeconds: 60,
};

const trigger = (index: number): TriggerFilter => ({
  urgency: "low",
  conditions: [{ key: `k${index}`, contains: ["v"] }],
});

describe("PUT /v1/services/{serviceId}/filter", () => {
  const { service, acme } = serviceWithAccount("mgmt-filter");
  let serviceId: string;
  let sender: ReturnType<typeof clientFor>;

  beforeAll(async () => {
    const created = await createService({ client: acme.admin, body: { name: "Alertmanager" } });
    serviceId = created.data?.id ?? "";
    const token = await createToken({
      client: acme.admin,
      body: { name: "am", scope: "service", serviceId },
    });
    sender = clientFor(service, token.data?.secret ?? "");
  });

  it("200: sets the full API filter, returns and keeps it", async () => {
    const { data, response } = await setServiceFilter({
      client: acme.admin,
      path: { serviceId },
      body: ALERTMANAGER_FILTER,
    });
    expect(response?.status).toBe(200);
    expect(data?.filter).toEqual(ALERTMANAGER_FILTER);
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data?.filter).toEqual(ALERTMANAGER_FILTER);
  });

  it("the filter decides ingest: urgency by trigger, resolve by correlation", async () => {
    const firing = {
      status: "firing",
      groupKey: "g1",
      commonLabels: { severity: "warning" },
      commonAnnotations: { summary: "Disk almost full" },
    };
    const opened = await processIncident({ client: sender, body: firing });
    expect(opened.data?.incidents[0]).toMatchObject({ urgency: "low", title: "Disk almost full" });
    const resolved = await processIncident({
      client: sender,
      body: { status: "resolved", groupKey: "g1" },
    });
    expect(resolved.data?.resolved.resolved).toBe(true);
  });

  it("200: the simple form sets the service's keys and removes the API filter", async () => {
    const { data } = await setServiceFilter({
      client: acme.admin,
      path: { serviceId },
      body: { titleKey: "subject", descriptionKey: "body" },
    });
    expect(data).toMatchObject({ titleKey: "subject", descriptionKey: "body" });
    expect(data).not.toHaveProperty("filter");
    const opened = await processIncident({
      client: sender,
      query: { from: "Cron" },
      body: { subject: "Backup failed", body: "exit 2" },
    });
    expect(opened.data?.incidents[0]?.title).toBe("Cron - Backup failed");
  });

  it("200: an empty body clears everything (every call passes with the defaults)", async () => {
    const { data } = await setServiceFilter({ client: acme.admin, path: { serviceId }, body: {} });
    expect(data).not.toHaveProperty("filter");
    expect(data).not.toHaveProperty("titleKey");
    expect(data).not.toHaveProperty("descriptionKey");
  });

  it.each<[string, ServiceFilterInput, string]>([
    ["11 triggers", { triggers: Array.from({ length: 11 }, (_, i) => trigger(i)) }, "triggers"],
    [
      "3 conditions",
      {
        triggers: [
          {
            urgency: "high",
            conditions: [1, 2, 3].map((i) => ({ key: `k${i}`, contains: ["v"] })),
          },
        ],
      },
      "triggers[0].conditions",
    ],
    [
      "11 values",
      {
        triggers: [
          {
            urgency: "high",
            conditions: [{ key: "k", contains: Array.from({ length: 11 }, (_, i) => `v${i}`) }],
          },
        ],
      },
      "triggers[0].conditions[0].contains",
    ],
    [
      "a value of 51 characters",
      {
        triggers: [
          trigger(0),
          trigger(1),
          trigger(2),
          {
            urgency: "high",
            conditions: [{ key: "k", contains: ["a", "b", "x".repeat(51)] }],
          },
        ],
      },
      "triggers[3].conditions[0].contains[2]",
    ],
    [
      "a blank condition key",
      { triggers: [{ urgency: "high", conditions: [{ key: "   ", contains: ["v"] }] }] },
      "triggers[0].conditions[0].key",
    ],
    [
      "a blank correlation key",
      { triggers: [{ urgency: "high", conditions: [], correlationKey: " " }] },
      "triggers[0].correlationKey",
    ],
    [
      "an empty resolve value",
      { triggers: [], resolve: { condition: { key: "status", contains: [""] } } },
      "resolve.condition.contains[0]",
    ],
    [
      "a duplicate window over a day",
      { triggers: [], duplicateWindowSeconds: 86401 },
      "duplicateWindowSeconds",
    ],
    [
      "auto-resolve over 30 days",
      { triggers: [{ urgency: "low", conditions: [], autoResolveAfterSeconds: 2592001 }] },
      "triggers[0].autoResolveAfterSeconds",
    ],
    [
      "an unknown urgency",
      { triggers: [{ urgency: "urgent" as "high", conditions: [] }] },
      "triggers[0].urgency",
    ],
    ["an unknown field", { trigger: [] } as ServiceFilterInput, "trigger"],
  ])("400: %s, naming the field", async (_name, body, field) => {
    const before = await getService({ client: acme.admin, path: { serviceId } });
    const answer = await setServiceFilter({ client: acme.admin, path: { serviceId }, body });
    const problem = problemOf(answer, 400);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    expect(problem.detail).toContain(field);
    const after = await getService({ client: acme.admin, path: { serviceId } });
    expect(after.data).toEqual(before.data);
  });

  it("counts characters, not UTF-16 units: 50 emoji pass", async () => {
    const { response } = await setServiceFilter({
      client: acme.admin,
      path: { serviceId },
      body: {
        triggers: [{ urgency: "high", conditions: [{ key: "k", contains: ["🔥".repeat(50)] }] }],
      },
    });
    expect(response?.status).toBe(200);
  });

  it("404: an unknown or malformed service id", async () => {
    problemOf(
      await setServiceFilter({ client: acme.admin, path: { serviceId: UNKNOWN_ID }, body: {} }),
      404,
    );
    problemOf(
      await setServiceFilter({ client: acme.admin, path: { serviceId: "x" }, body: {} }),
      404,
    );
  });

  it("401, 403 and 415", async () => {
    const path = { serviceId };
    problemOf(await setServiceFilter({ client: clientFor(service, ""), path, body: {} }), 401);
    problemOf(await setServiceFilter({ client: acme.ingest, path, body: {} }), 403);
    problemOf(await setServiceFilter({ client: sender, path, body: {} }), 403);
    const yaml = await raw(service, "PUT", `/v1/services/${serviceId}/filter`, {
      headers: {
        authorization: `Bearer ${acme.adminToken.secret}`,
        "content-type": "application/yaml",
      },
      body: "titleKey: subject\n",
    });
    expect(yaml.status).toBe(415);
  });
});
