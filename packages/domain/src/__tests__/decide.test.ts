import { defaultTitle } from "@sqibs/i18n";
import { describe, expect, it } from "vitest";
import { decideForService, type ServiceRules } from "../decide.js";
import type { ApiFilter } from "../filter.js";
import { payloadOf, prometheusAlert } from "./helpers.js";

const now = new Date("2025-06-01T12:00:00Z");
const firing = payloadOf(prometheusAlert);
const resolved = payloadOf({ ...prometheusAlert, status: "resolved" });

const filter: ApiFilter = {
  triggers: [
    {
      urgency: "low",
      conditions: [{ key: "commonLabels.severity", contains: ["warning"] }],
      titleKey: "commonAnnotations.summary",
    },
    {
      urgency: "high",
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "commonLabels.alertname",
      descriptionKey: "alerts.0.annotations.description",
      correlationKey: "groupKey",
      autoResolveAfterSeconds: 3600,
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
};
const service = (change: Partial<ServiceRules> = {}): ServiceRules => ({
  id: "svc-1",
  state: "active",
  filter,
  ...change,
});
/** `from` defaults to Prometheus; pass null for a call without `from`. */
const decide = (rules: ServiceRules, payload = firing, from: string | null = "Prometheus") =>
  decideForService({ service: rules, payload, from: from ?? undefined, language: "en", now });

describe("decideForService", () => {
  it("triggers with the passing trigger's keys", () => {
    expect(decide(service())).toEqual({
      kind: "trigger",
      serviceId: "svc-1",
      triggerIndex: 1,
      urgency: "high",
      title: "Prometheus - HighCPU",
      description: "5m average 97%",
      correlation: '{}:{alertname="HighCPU"}',
      autoResolveAfterSeconds: 3600,
    });
  });

  it("resolves with the resolve correlation value", () => {
    expect(decide(service(), resolved)).toEqual({
      kind: "resolve",
      serviceId: "svc-1",
      correlation: '{}:{alertname="HighCPU"}',
    });
  });

  it("a resolve without a correlation value has none", () => {
    const rules = service({
      filter: { ...filter, resolve: { condition: { key: "status", contains: ["resolved"] } } },
    });
    expect(decide(rules, resolved)).toEqual({ kind: "resolve", serviceId: "svc-1" });
  });

  it.each<[string, Partial<ServiceRules>, unknown]>([
    [
      "disabled is skipped first",
      { state: "disabled" },
      { kind: "skipped", serviceId: "svc-1", reason: "disabled" },
    ],
    [
      "state maintenance suppresses",
      { state: "maintenance" },
      { kind: "suppressed", serviceId: "svc-1", reason: "maintenance" },
    ],
    [
      "a window suppresses",
      { maintenance: { start: new Date("2025-06-01T00:00:00Z") } },
      { kind: "suppressed", serviceId: "svc-1", reason: "maintenance" },
    ],
    [
      "non-matching tags let it trigger",
      { state: "maintenance", maintenance: { tags: [["db-9"]] } },
      expect.objectContaining({ kind: "trigger" }),
    ],
    [
      "matching tags suppress",
      { state: "maintenance", maintenance: { tags: [["node-1", "highcpu"]] } },
      { kind: "suppressed", serviceId: "svc-1", reason: "maintenance" },
    ],
    [
      "an expired window lets it trigger",
      { maintenance: { end: new Date("2025-06-01T12:00:00Z") } },
      expect.objectContaining({ kind: "trigger" }),
    ],
  ])("trigger: %s", (_name, change, decision) => {
    expect(decide(service(change))).toEqual(decision);
  });

  it.each<[string, Partial<ServiceRules>, unknown]>([
    [
      "disabled is skipped even for a resolve",
      { state: "disabled" },
      { kind: "skipped", serviceId: "svc-1", reason: "disabled" },
    ],
    [
      "resolve passes through state maintenance",
      { state: "maintenance" },
      expect.objectContaining({ kind: "resolve" }),
    ],
    [
      "resolve passes through a window",
      { maintenance: {} },
      expect.objectContaining({ kind: "resolve" }),
    ],
  ])("resolve: %s", (_name, change, decision) => {
    expect(decide(service(change), resolved)).toEqual(decision);
  });

  it("no trigger passes: skipped", () => {
    const strict = service({
      filter: {
        triggers: [{ urgency: "high", conditions: [{ key: "status", contains: ["nope"] }] }],
      },
    });
    expect(decide(strict)).toEqual({
      kind: "skipped",
      serviceId: "svc-1",
      reason: "no-filter-passed",
    });
  });

  it("no filter passes every call with the service's legacy keys", () => {
    const legacy = service({
      filter: undefined,
      titleKey: "commonAnnotations.summary",
      descriptionKey: "receiver",
    });
    expect(decide(legacy, firing, null)).toEqual({
      kind: "trigger",
      serviceId: "svc-1",
      triggerIndex: -1,
      urgency: "high",
      title: "CPU above 90% on node-1",
      description: "sqibs",
    });
  });

  it("a trigger without keys falls back to the service's keys", () => {
    const rules = service({
      filter: { triggers: [{ urgency: "low", conditions: [], titleKey: " " }] },
      titleKey: "commonLabels.alertname",
    });
    expect(decide(rules)).toMatchObject({
      triggerIndex: 0,
      urgency: "low",
      title: "Prometheus - HighCPU",
      description: firing.text,
    });
  });

  it("a trigger's own key wins over the service's", () => {
    expect(decide(service({ titleKey: "receiver" }))).toMatchObject({
      title: "Prometheus - HighCPU",
    });
  });

  it("a plain-text payload gets the localized default title", () => {
    const text = payloadOf("disk full", "text/plain");
    const rules = service({ filter: undefined, titleKey: "title" });
    const decision = decideForService({
      service: rules,
      payload: text,
      from: " Zabbix ",
      language: "de",
      now,
    });
    expect(decision).toMatchObject({
      kind: "trigger",
      title: defaultTitle("de", "incident", "Zabbix"),
      description: "disk full",
    });
  });

  it("a trigger without correlation or auto-resolve omits them", () => {
    const decision = decide(
      service({ filter: { triggers: [{ urgency: "high", conditions: [] }] } }),
    );
    expect(decision).not.toHaveProperty("correlation");
    expect(decision).not.toHaveProperty("autoResolveAfterSeconds");
  });
});
