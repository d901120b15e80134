import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ApiFilter,
  type Condition,
  conditionPasses,
  correlationValue,
  FILTER_LIMITS,
  findTrigger,
  resolvePasses,
  type TriggerFilter,
  validateFilter,
} from "../filter.js";
import { payloadOf, prometheusAlert } from "./helpers.js";

const alert = payloadOf(prometheusAlert);
const plain = payloadOf("ERROR: Disk FULL on db-1", "text/plain");

describe("conditionPasses", () => {
  it.each<[string, Condition, boolean]>([
    ["one value contained", { key: "status", contains: ["firing"] }, true],
    ["case-insensitive", { key: "status", contains: ["FIRING"] }, true],
    ["case-insensitive key text", { key: "commonLabels.alertname", contains: ["highcpu"] }, true],
    ["every value (AND)", { key: "commonLabels.severity", contains: ["crit", "ical"] }, true],
    [
      "one value missing fails the AND",
      { key: "commonLabels.severity", contains: ["crit", "warn"] },
      false,
    ],
    ["nested array path", { key: "alerts.0.labels.instance", contains: ["node-1"] }, true],
    [
      "object values match their JSON text",
      { key: "commonLabels", contains: ['"severity":"critical"'] },
      true,
    ],
    ["a missing key fails", { key: "nope", contains: ["x"] }, false],
    ["a missing key fails with no values", { key: "nope", contains: [] }, false],
    ["a present key passes with no values", { key: "status", contains: [] }, true],
    ["$text reads the whole JSON text", { key: "$text", contains: ['"receiver":"sqibs"'] }, true],
  ])("%s", (_name, condition, passes) => {
    expect(conditionPasses(condition, alert)).toBe(passes);
  });

  it.each<[string, Condition, boolean]>([
    ["$text on plain text", { key: "$text", contains: ["disk full", "db-1"] }, true],
    [
      "$text fails when a value is absent",
      { key: "$text", contains: ["disk full", "db-2"] },
      false,
    ],
    ["JSON keys are absent on plain text", { key: "ERROR", contains: [] }, false],
  ])("%s", (_name, condition, passes) => {
    expect(conditionPasses(condition, plain)).toBe(passes);
  });

  it("$text on an empty payload is absent", () => {
    expect(conditionPasses({ key: "$text", contains: [] }, payloadOf("", "text/plain"))).toBe(
      false,
    );
  });

  it("inherited members never match", () => {
    expect(conditionPasses({ key: "constructor", contains: ["function"] }, payloadOf({}))).toBe(
      false,
    );
  });
});

describe("findTrigger", () => {
  const trigger = (name: string, ...conditions: Condition[]): TriggerFilter => ({
    urgency: "high",
    conditions,
    titleKey: name,
  });
  const filter: ApiFilter = {
    triggers: [
      trigger("warning", { key: "commonLabels.severity", contains: ["warning"] }),
      trigger(
        "critical-cpu",
        { key: "commonLabels.severity", contains: ["critical"] },
        { key: "commonLabels.alertname", contains: ["cpu"] },
      ),
      trigger("critical", { key: "commonLabels.severity", contains: ["critical"] }),
      trigger("any"),
    ],
  };
  const withLabels = (severity: string, alertname: string) =>
    payloadOf({ commonLabels: { severity, alertname } });

  it.each([
    ["the first passing trigger wins", withLabels("critical", "HighCPU"), 1],
    [
      "AND within a trigger: one condition fails, the next trigger",
      withLabels("critical", "DiskFull"),
      2,
    ],
    ["OR across triggers", withLabels("warning", "HighCPU"), 0],
    ["a trigger without conditions always passes", withLabels("info", "x"), 3],
    ["non-JSON payloads reach the unconditional trigger", plain, 3],
  ])("%s", (_name, payload, index) => {
    expect(findTrigger(filter, payload)?.index).toBe(index);
  });

  it("no trigger passes", () => {
    const strict: ApiFilter = {
      triggers: [trigger("w", { key: "status", contains: ["resolved"] })],
    };
    expect(findTrigger(strict, alert)).toBeUndefined();
  });

  it.each([
    ["no filter", undefined],
    ["a filter without triggers", { triggers: [] }],
    [
      "a filter with only a resolve filter",
      { triggers: [], resolve: { condition: { key: "a", contains: [] } } },
    ],
  ])("%s passes every call with the seed defaults", (_name, noTriggers) => {
    expect(findTrigger(noTriggers, plain)).toEqual({
      index: -1,
      trigger: { urgency: "high", conditions: [] },
    });
  });
});

describe("resolvePasses and correlationValue", () => {
  const filter: ApiFilter = {
    triggers: [],
    resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
  };
  it.each([
    ["resolved", true],
    ["firing", false],
  ])("status %s", (status, passes) => {
    expect(resolvePasses(filter, payloadOf({ ...prometheusAlert, status }))).toBe(passes);
  });

  it("no resolve filter never resolves", () => {
    expect(resolvePasses({ triggers: [] }, alert)).toBe(false);
    expect(resolvePasses(undefined, alert)).toBe(false);
  });

  it.each([
    ["a string key", "groupKey", '{}:{alertname="HighCPU"}'],
    ["a nested key", "alerts.0.fingerprint", "c0ffee"],
    ["a missing key", "nope", undefined],
    ["no key", undefined, undefined],
  ])("%s", (_name, key, value) => {
    expect(correlationValue(alert, key)).toBe(value);
  });

  it("$text correlates plain text payloads", () => {
    expect(correlationValue(plain, "$text")).toBe(plain.text);
  });

  it("keeps a value of 1,024 characters (code points, as JSON Schema counts them) as it is", () => {
    for (const value of ["k".repeat(1024), "🙂".repeat(1024)]) {
      expect(correlationValue(payloadOf({ id: value }), "id")).toBe(value);
    }
  });

  it("replaces a longer value by its SHA-256, the same for the same value, never the value itself", () => {
    const long = `${"k".repeat(1024)}!`;
    const reduced = correlationValue(payloadOf({ id: long }), "id");
    expect(reduced).toBe(`sha256:${createHash("sha256").update(long).digest("hex")}`);
    expect(reduced).toHaveLength(71);
    expect(correlationValue(payloadOf({ id: long, other: 1 }), "id")).toBe(reduced);
    expect(correlationValue(payloadOf({ id: `${long}?` }), "id")).not.toBe(reduced);
    const text = payloadOf("x".repeat(200_000), "text/plain");
    expect(correlationValue(text, "$text")).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("validateFilter", () => {
  const ok: TriggerFilter = { urgency: "high", conditions: [{ key: "a", contains: ["x"] }] };
  const valid: ApiFilter = {
    triggers: [
      {
        ...ok,
        titleKey: "t",
        descriptionKey: "d",
        correlationKey: "c",
        autoResolveAfterSeconds: 3600,
      },
    ],
    resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "c" },
    duplicateWindowSeconds: 120,
  };
  const withTrigger = (change: Partial<TriggerFilter>): ApiFilter => ({
    triggers: [{ ...ok, ...change }],
  });
  const withCondition = (condition: Condition): ApiFilter =>
    withTrigger({ conditions: [ok.conditions[0] as Condition, condition] });
  const values = (n: number, length = 1) =>
    Array.from({ length: n }, (_, i) => String(i % 10).repeat(length));

  it.each<[string, ApiFilter]>([
    ["a full filter", valid],
    ["no triggers", { triggers: [] }],
    ["10 triggers", { triggers: Array.from({ length: 10 }, () => ok) }],
    [
      "2 conditions of 10 values of 50 characters",
      withCondition({ key: "b", contains: values(10, 50) }),
    ],
    ["50 emoji count as 50 characters", withCondition({ key: "b", contains: ["😀".repeat(50)] })],
    ["a 256-character key", withCondition({ key: "k".repeat(256), contains: [] })],
    ["auto-resolve after 30 days", withTrigger({ autoResolveAfterSeconds: 30 * 24 * 3600 })],
    ["a duplicate window of 0 (off)", { triggers: [], duplicateWindowSeconds: 0 }],
    ["a duplicate window of one day", { triggers: [], duplicateWindowSeconds: 86400 }],
  ])("%s is valid", (_name, filter) => {
    expect(validateFilter(filter)).toEqual([]);
  });

  it.each<[string, ApiFilter, string]>([
    ["11 triggers", { triggers: Array.from({ length: 11 }, () => ok) }, "triggers"],
    ["a bad urgency", withTrigger({ urgency: "urgent" as "high" }), "triggers[0].urgency"],
    [
      "3 conditions",
      withTrigger({
        conditions: [ok.conditions[0], ok.conditions[0], ok.conditions[0]] as Condition[],
      }),
      "triggers[0].conditions",
    ],
    [
      "11 values",
      withCondition({ key: "b", contains: values(11) }),
      "triggers[0].conditions[1].contains",
    ],
    [
      "a 51-character value",
      withCondition({ key: "b", contains: ["x", "y".repeat(51)] }),
      "triggers[0].conditions[1].contains[1]",
    ],
    [
      "an empty value",
      withCondition({ key: "b", contains: ["x", "y", ""] }),
      "triggers[0].conditions[1].contains[2]",
    ],
    [
      "an empty condition key",
      withCondition({ key: "", contains: [] }),
      "triggers[0].conditions[1].key",
    ],
    [
      "a blank condition key",
      withCondition({ key: "  ", contains: [] }),
      "triggers[0].conditions[1].key",
    ],
    [
      "a 257-character key",
      withCondition({ key: "k".repeat(257), contains: [] }),
      "triggers[0].conditions[1].key",
    ],
    ["an empty title key", withTrigger({ titleKey: "" }), "triggers[0].titleKey"],
    [
      "an empty description key",
      withTrigger({ descriptionKey: " " }),
      "triggers[0].descriptionKey",
    ],
    [
      "a long correlation key",
      withTrigger({ correlationKey: "c".repeat(257) }),
      "triggers[0].correlationKey",
    ],
    [
      "auto-resolve of 0",
      withTrigger({ autoResolveAfterSeconds: 0 }),
      "triggers[0].autoResolveAfterSeconds",
    ],
    [
      "auto-resolve over 30 days",
      withTrigger({ autoResolveAfterSeconds: 30 * 24 * 3600 + 1 }),
      "triggers[0].autoResolveAfterSeconds",
    ],
    [
      "fractional auto-resolve",
      withTrigger({ autoResolveAfterSeconds: 1.5 }),
      "triggers[0].autoResolveAfterSeconds",
    ],
    [
      "an empty resolve key",
      { triggers: [], resolve: { condition: { key: "", contains: [] } } },
      "resolve.condition.key",
    ],
    [
      "11 resolve values",
      { triggers: [], resolve: { condition: { key: "s", contains: values(11) } } },
      "resolve.condition.contains",
    ],
    [
      "an empty resolve correlation key",
      { triggers: [], resolve: { condition: { key: "s", contains: [] }, correlationKey: "" } },
      "resolve.correlationKey",
    ],
    [
      "a negative duplicate window",
      { triggers: [], duplicateWindowSeconds: -1 },
      "duplicateWindowSeconds",
    ],
    [
      "a duplicate window over a day",
      { triggers: [], duplicateWindowSeconds: 86401 },
      "duplicateWindowSeconds",
    ],
  ])("%s names %s", (_name, filter, field) => {
    const violations = validateFilter(filter);
    expect(violations.map((v) => v.field)).toEqual([field]);
    expect(violations[0]?.message).not.toBe("");
  });

  it("reports every violation at once", () => {
    const filter: ApiFilter = {
      triggers: [ok, { urgency: "low", conditions: [{ key: "", contains: ["", "z".repeat(51)] }] }],
      duplicateWindowSeconds: 1e9,
    };
    expect(validateFilter(filter).map((v) => v.field)).toEqual([
      "triggers[1].conditions[0].key",
      "triggers[1].conditions[0].contains[0]",
      "triggers[1].conditions[0].contains[1]",
      "duplicateWindowSeconds",
    ]);
  });

  it("limits match docs/product.md §5", () => {
    expect(FILTER_LIMITS).toMatchObject({
      triggers: 10,
      conditionsPerTrigger: 2,
      valuesPerCondition: 10,
      valueLength: 50,
    });
  });
});
