import { readdirSync, readFileSync } from "node:fs";
import {
  type ApiFilter,
  decideForService,
  FILTER_LIMITS,
  type ServiceDecision,
  textPayload,
  validateFilter,
} from "@sqibs/domain";
import { describe, expect, it } from "vitest";
import {
  BASE_URL_PLACEHOLDER,
  findTemplate,
  guideFor,
  INTEGRATION_TEMPLATES,
  type IntegrationTemplate,
  integrationsMarkdown,
} from "../index.js";
import { compactJson } from "../markdown.js";

const repoRoot = new URL("../../../../", import.meta.url);

function template(name: string): IntegrationTemplate {
  const found = findTemplate(name);
  if (!found) throw new Error(`no template ${name}`);
  return found;
}

/** The decision the service would take for this payload (pure: no database). */
function decide(name: string, payload: unknown, from = template(name).from): ServiceDecision {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  return decideForService({
    service: { id: "s1", state: "active", filter: template(name).filter },
    payload: textPayload(text),
    from,
    language: "en",
    now: new Date(),
  });
}

/** kind, and urgency for triggers: the part of a decision the pitfall tables are about. */
function outcome(decision: ServiceDecision): string {
  return decision.kind === "trigger" ? `trigger:${decision.urgency}` : decision.kind;
}

describe("the template list", () => {
  it("names every template with a unique slug", () => {
    const names = INTEGRATION_TEMPLATES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(names).toEqual([
      "prometheus-alertmanager",
      "grafana",
      "zabbix",
      "datadog",
      "uptime-kuma",
      "better-stack",
      "generic-json",
      "plain-text",
    ]);
  });

  it("finds a template by its exact name only", () => {
    expect(findTemplate("grafana")?.title).toBe("Grafana Alerting");
    expect(findTemplate("Grafana")).toBeUndefined();
    expect(findTemplate("")).toBeUndefined();
    expect(findTemplate("toString")).toBeUndefined();
  });

  it("is deeply frozen, so no caller can change a built-in filter", () => {
    const alertmanager = template("prometheus-alertmanager");
    expect(Object.isFrozen(INTEGRATION_TEMPLATES)).toBe(true);
    expect(Object.isFrozen(alertmanager.filter.triggers[0]?.conditions[0]?.contains)).toBe(true);
    expect(() => {
      alertmanager.filter.triggers.push({ urgency: "low", conditions: [] });
    }).toThrow(TypeError);
    const copy: ApiFilter = structuredClone(alertmanager.filter);
    copy.triggers.pop();
    expect(copy.triggers).toHaveLength(alertmanager.filter.triggers.length - 1);
  });
});

describe.each(INTEGRATION_TEMPLATES.map((t) => [t.name, t] as const))("%s", (_name, t) => {
  it("has a filter that passes validateFilter", () => {
    expect(validateFilter(t.filter)).toEqual([]);
  });

  it("stays within the filter limits", () => {
    expect(t.filter.triggers.length).toBeLessThanOrEqual(FILTER_LIMITS.triggers);
    const conditions = [
      ...t.filter.triggers.flatMap((trigger) => {
        expect(trigger.conditions.length).toBeLessThanOrEqual(FILTER_LIMITS.conditionsPerTrigger);
        return trigger.conditions;
      }),
      ...(t.filter.resolve ? [t.filter.resolve.condition] : []),
    ];
    for (const condition of conditions) {
      expect(condition.contains.length).toBeLessThanOrEqual(FILTER_LIMITS.valuesPerCondition);
      for (const value of condition.contains) {
        expect([...value].length).toBeGreaterThan(0);
        expect([...value].length).toBeLessThanOrEqual(FILTER_LIMITS.valueLength);
      }
    }
  });

  it.skipIf(!t.filter.resolve)("correlates a resolve by the key its triggers correlate by", () => {
    for (const trigger of t.filter.triggers) {
      expect(trigger.correlationKey).toBe(t.filter.resolve?.correlationKey);
    }
  });

  it("has a title, a description, a from value and a guide with the ingest URL", () => {
    expect(t.title.trim()).not.toBe("");
    expect(t.description.trim()).not.toBe("");
    expect(t.from.trim()).toBe(t.from);
    expect(t.from).not.toBe("");
    const fixedFrom = t.name === "generic-json" || t.name === "plain-text";
    const url = fixedFrom
      ? `${BASE_URL_PLACEHOLDER}/v1/process?from=`
      : `${BASE_URL_PLACEHOLDER}/v1/process?from=${encodeURIComponent(t.from)}`;
    expect(t.guide).toContain(url);
    expect(t.guide.length).toBeLessThan(4_000);
  });

  it("has fixtures in test/fixtures/<name>/, with a trigger", () => {
    const files = readdirSync(new URL(`test/fixtures/${t.name}/`, repoRoot));
    expect(files.some((file) => file.startsWith("trigger."))).toBe(true);
  });
});

describe("guideFor", () => {
  it("writes the service's address into the guide", () => {
    const guide = guideFor(template("grafana"), "https://alerts.acme.io/sqibs-api/");
    expect(guide).toContain("https://alerts.acme.io/sqibs-api/v1/process?from=Grafana");
    expect(guide).not.toContain(BASE_URL_PLACEHOLDER);
  });
});

describe("condition pitfalls", () => {
  it.each<[string, unknown, string]>([
    [
      "status 0 (down) opens",
      { heartbeat: { status: 0 }, monitor: { id: 1, name: "A" } },
      "trigger:high",
    ],
    [
      "status 1 (up) resolves",
      { heartbeat: { status: 1 }, monitor: { id: 1, name: "A" } },
      "resolve",
    ],
    ["status 2 (pending) is ignored", { heartbeat: { status: 2 }, monitor: { id: 1 } }, "skipped"],
    [
      "status 3 (maintenance) is ignored",
      { heartbeat: { status: 3 }, monitor: { id: 1 } },
      "skipped",
    ],
    [
      "a string status reads the same",
      { heartbeat: { status: "0" }, monitor: { id: 1 } },
      "trigger:high",
    ],
    [
      "the Test button (no heartbeat) is ignored",
      { heartbeat: null, monitor: null, msg: "Test" },
      "skipped",
    ],
    // Why "contains" is exact here: every Kuma status is one digit. A 10 would contain "1" and "0"
    // (and read as up, the resolve being checked first), but Uptime Kuma never sends one.
    ["(10 is not a Kuma status)", { heartbeat: { status: 10 }, monitor: { id: 1 } }, "resolve"],
  ])("uptime-kuma: %s", (_name, payload, expected) => {
    expect(outcome(decide("uptime-kuma", payload))).toBe(expected);
  });

  it.each<[string, string]>([
    ["Triggered", "trigger:high"],
    ["Re-Triggered", "trigger:high"],
    ["Renotify", "trigger:high"],
    ["Warn", "trigger:low"],
    ["Re-Warn", "trigger:low"],
    ["No Data", "trigger:low"],
    ["Re-No Data", "trigger:low"],
    ["Recovered", "resolve"],
    ["Null", "skipped"],
  ])("datadog: %s", (transition, expected) => {
    const payload = { alert_transition: transition, aggregate: "k", title: "t" };
    expect(outcome(decide("datadog", payload))).toBe(expected);
  });

  it.each<[string, string, string]>([
    ["PROBLEM", "5", "trigger:high"],
    ["PROBLEM", "4", "trigger:high"],
    ["PROBLEM", "3", "trigger:low"],
    ["PROBLEM", "0", "trigger:low"],
    ["RESOLVED", "5", "resolve"],
    ["RESOLVED", "2", "resolve"],
  ])("zabbix: status %s, severity %s", (status, nseverity, expected) => {
    const payload = { event_id: "1", event_status: status, event_nseverity: nseverity };
    expect(outcome(decide("zabbix", payload))).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string, string | undefined]>([
    [
      "critical with a common summary",
      { commonLabels: { severity: "critical" }, commonAnnotations: { summary: "Disk full" } },
      "trigger:high",
      "Prometheus - Disk full",
    ],
    [
      "critical without a common summary",
      { commonLabels: { severity: "critical", alertname: "DiskFull" }, commonAnnotations: {} },
      "trigger:high",
      "Prometheus - DiskFull",
    ],
    [
      "warning with a common summary",
      { commonLabels: { severity: "warning" }, commonAnnotations: { summary: "Slow" } },
      "trigger:low",
      "Prometheus - Slow",
    ],
    [
      "no severity, blank summary",
      { commonLabels: { alertname: "Slow" }, commonAnnotations: { summary: "  " } },
      "trigger:low",
      "Prometheus - Slow",
    ],
    ["resolved", { commonLabels: { severity: "critical" } }, "resolve", undefined],
  ])("prometheus-alertmanager: %s", (_name, extra, expected, title) => {
    const status = expected === "resolve" ? "resolved" : "firing";
    const decision = decide("prometheus-alertmanager", { status, groupKey: "g", ...extra });
    expect(outcome(decision)).toBe(expected);
    if (decision.kind === "trigger") expect(decision.title).toBe(title);
    if (decision.kind === "trigger" || decision.kind === "resolve") {
      expect(decision.correlation).toBe("g");
    }
  });

  it.each<[string, unknown, string]>([
    [
      "started",
      { data: { id: "1", type: "incident", attributes: { resolved_at: null } } },
      "trigger:high",
    ],
    [
      "acknowledged",
      { data: { id: "1", type: "incident", attributes: { acknowledged_at: "t" } } },
      "trigger:high",
    ],
    [
      "resolved",
      { data: { id: "1", type: "incident", attributes: { resolved_at: "t" } } },
      "resolve",
    ],
    ["a monitor webhook", { data: { id: "1", type: "monitor", attributes: {} } }, "skipped"],
  ])("better-stack: %s", (_name, payload, expected) => {
    expect(outcome(decide("better-stack", payload))).toBe(expected);
  });

  it.each<[string, unknown, string]>([
    ["firing", { status: "firing", id: "a" }, "trigger:high"],
    ["firing, urgency low", { status: "firing", id: "a", urgency: "low" }, "trigger:low"],
    ["resolved", { status: "resolved", id: "a" }, "resolve"],
    ["another word", { status: "ok", id: "a" }, "skipped"],
    // The documented limit of substring conditions: the guide asks for exactly firing|resolved.
    ["(unresolved reads as resolved)", { status: "unresolved", id: "a" }, "resolve"],
  ])("generic-json: %s", (_name, payload, expected) => {
    expect(outcome(decide("generic-json", payload))).toBe(expected);
  });

  it("plain-text: takes every call, correlates by the whole text, default title", () => {
    const decision = decide("plain-text", "backup failed\n");
    expect(decision).toMatchObject({
      kind: "trigger",
      urgency: "high",
      title: "Incident from cron",
      description: "backup failed\n",
      correlation: "backup failed\n",
    });
    expect(decide("plain-text", '{"any":"json"}').kind).toBe("trigger");
  });
});

describe("docs/integrations.md", () => {
  it("is the page integrationsMarkdown writes (run `pnpm --filter @sqibs/templates write-docs`)", () => {
    const page = readFileSync(new URL("docs/integrations.md", repoRoot), "utf8");
    expect(page).toBe(integrationsMarkdown(INTEGRATION_TEMPLATES));
  });

  it("shows each filter as JSON that reads back to the filter", () => {
    for (const t of INTEGRATION_TEMPLATES)
      expect(JSON.parse(compactJson(t.filter))).toEqual(t.filter);
  });
});
