import { readFileSync } from "node:fs";
import {
  createService,
  createToken,
  getIncident,
  getService,
  listIntegrationTemplates,
  listServices,
  processIncident,
  setServiceFilter,
} from "@sqibs/api-client";
import { validateFilter } from "@sqibs/domain";
import { INTEGRATION_TEMPLATES } from "@sqibs/templates";
import { describe, expect, it } from "vitest";
import { clientFor, problemOf, serviceWithAccount } from "./support.js";

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/${path}`, import.meta.url), "utf8"));

describe("integration templates: GET /v1/integration-templates, POST /v1/services with template", () => {
  const { service, acme } = serviceWithAccount("mgmt-templates");

  it("200: lists all 8 templates, each with a valid filter and a guide", async () => {
    const { data, response } = await listIntegrationTemplates({ client: acme.admin });
    expect(response?.status).toBe(200);
    const items = data?.items ?? [];
    // The catalogue's names and order are pinned by the templates package's own tests.
    expect(items.map((item) => item.name)).toEqual(
      INTEGRATION_TEMPLATES.map((template) => template.name),
    );
    expect(items).toHaveLength(8);
    for (const [index, item] of items.entries()) {
      const template = INTEGRATION_TEMPLATES[index];
      expect(item).toEqual({
        name: template?.name,
        title: template?.title,
        description: template?.description,
        from: template?.from,
        filter: template?.filter,
        guide: template?.guide,
      });
      expect(validateFilter(item.filter), item.name).toEqual([]);
      expect(item.filter.triggers.length, item.name).toBeGreaterThan(0);
      expect(item.guide, item.name).toContain("/v1/process");
    }
  });

  it("201: a service made from a template gets its filter, and an Alertmanager trigger opens the incident the template says", async () => {
    const template = INTEGRATION_TEMPLATES.find((item) => item.name === "prometheus-alertmanager");
    const created = await createService({
      client: acme.admin,
      body: { name: "Alertmanager", template: "prometheus-alertmanager" },
    });
    expect(created.response?.status).toBe(201);
    expect(created.data).toMatchObject({
      name: "Alertmanager",
      state: "active",
      template: "prometheus-alertmanager",
      filter: template?.filter,
    });
    const serviceId = created.data?.id ?? "";
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data).toEqual(created.data);

    const token = await createToken({
      client: acme.admin,
      body: { name: "alertmanager", scope: "service", serviceId },
    });
    const sender = clientFor(service, token.data?.secret ?? "");
    const trigger = fixture("prometheus-alertmanager/trigger.json");
    const sent = await processIncident({
      client: sender,
      body: trigger,
      query: { from: template?.from ?? "" },
    });
    expect(sent.response?.status).toBe(201);
    const incident = await getIncident({
      client: acme.admin,
      path: { incidentId: sent.data?.incidents[0]?.id ?? "" },
    });
    expect(incident.data).toMatchObject({
      serviceId,
      title: `Prometheus - ${trigger.commonAnnotations.summary}`,
      description: trigger.commonAnnotations.description,
      urgency: "high",
      correlationKey: trigger.groupKey,
      source: "Prometheus",
    });
  });

  it("the service's filter is a copy: changing it changes neither the template nor the next service", async () => {
    const first = await createService({
      client: acme.admin,
      body: { name: "Grafana 1", template: "grafana", titleKey: "ruleName" },
    });
    expect(first.data).toMatchObject({ template: "grafana", titleKey: "ruleName" });
    const changed = await setServiceFilter({
      client: acme.admin,
      path: { serviceId: first.data?.id ?? "" },
      body: { triggers: [{ urgency: "low", conditions: [] }] },
    });
    expect(changed.data?.filter?.triggers).toHaveLength(1);
    // Still says where it came from.
    expect(changed.data?.template).toBe("grafana");
    const second = await createService({
      client: acme.admin,
      body: { name: "Grafana 2", template: "grafana" },
    });
    const grafana = INTEGRATION_TEMPLATES.find((item) => item.name === "grafana");
    expect(second.data?.filter).toEqual(grafana?.filter);
    const listed = await listIntegrationTemplates({ client: acme.admin });
    expect(listed.data?.items.find((item) => item.name === "grafana")?.filter).toEqual(
      grafana?.filter,
    );
  });

  it("400: an unknown template names the field and lists the known ones; nothing is created", async () => {
    const before = (await listServices({ client: acme.admin })).data?.items.length;
    const unknown = await createService({
      client: acme.admin,
      body: { name: "Nagios", template: "nagios" as never },
    });
    const problem = problemOf(unknown, 400);
    expect(problem.errors?.[0]?.field).toBe("template");
    for (const template of INTEGRATION_TEMPLATES) expect(problem.detail).toContain(template.name);
    // Names are exact slugs.
    problemOf(
      await createService({
        client: acme.admin,
        body: { name: "x", template: "Grafana" as never },
      }),
      400,
    );
    const empty = await createService({
      client: acme.admin,
      body: { name: "x", template: "" as never },
    });
    expect(problemOf(empty, 400).errors?.[0]?.field).toBe("template");
    expect((await listServices({ client: acme.admin })).data?.items.length).toBe(before);
  });

  it("403 for an ingest token, 401 without one", async () => {
    problemOf(await listIntegrationTemplates({ client: acme.ingest }), 403);
    problemOf(await listIntegrationTemplates({ client: clientFor(service, "") }), 401);
  });
});
