import { describe, expect, it } from "vitest";
import {
  inMaintenance,
  type MaintenanceWindow,
  maintenanceHolds,
  type ServiceState,
  validateMaintenance,
} from "../maintenance.js";

const at = (iso: string) => new Date(iso);
const now = at("2025-06-01T12:00:00Z");
const text = "CRITICAL: Disk full on DB-1 in eu-west";

const WINDOWS: Array<[string, ServiceState, MaintenanceWindow | undefined, boolean]> = [
  ["active, no window", "active", undefined, false],
  ["state maintenance", "maintenance", undefined, true],
  [
    "state maintenance with a past window",
    "maintenance",
    { end: at("2025-01-01T00:00:00Z") },
    true,
  ],
  ["a window with neither start nor end means now", "active", {}, true],
  [
    "a scheduled window holding now",
    "active",
    { start: at("2025-06-01T11:00:00Z"), end: at("2025-06-01T13:00:00Z") },
    true,
  ],
  ["start is inclusive", "active", { start: now, end: at("2025-06-01T13:00:00Z") }, true],
  ["end is exclusive", "active", { start: at("2025-06-01T11:00:00Z"), end: now }, false],
  ["one millisecond before end", "active", { end: new Date(now.getTime() + 1) }, true],
  [
    "a future window",
    "active",
    { start: at("2025-06-02T00:00:00Z"), end: at("2025-06-03T00:00:00Z") },
    false,
  ],
  [
    "a past window",
    "active",
    { start: at("2025-05-01T00:00:00Z"), end: at("2025-05-02T00:00:00Z") },
    false,
  ],
  ["no start: since forever", "active", { end: at("2025-07-01T00:00:00Z") }, true],
  ["no end: until ended", "active", { start: at("2025-01-01T00:00:00Z") }, true],
  ["no end, not started yet", "active", { start: at("2025-07-01T00:00:00Z") }, false],
];

describe("inMaintenance: state and windows", () => {
  it.each(WINDOWS)("%s", (_name, state, maintenance, expected) => {
    expect(inMaintenance({ state, maintenance, now, payloadText: text })).toBe(expected);
  });
});

describe("maintenanceHolds: the window alone, whatever the payload", () => {
  it.each(WINDOWS)("%s", (_name, state, maintenance, expected) => {
    expect(maintenanceHolds({ state, maintenance, now })).toBe(expected);
  });

  it("ignores tags: a tagged window holding now holds", () => {
    const tagged = { tags: [["never", "in", "any", "payload"]] };
    expect(maintenanceHolds({ state: "active", maintenance: tagged, now })).toBe(true);
    expect(inMaintenance({ state: "active", maintenance: tagged, now, payloadText: text })).toBe(
      false,
    );
  });
});

describe("inMaintenance: tags", () => {
  it.each<[string, string[][], boolean]>([
    ["no groups: every payload", [], true],
    ["one tag contained", [["disk full"]], true],
    ["case-insensitive both ways", [["db-1", "EU-WEST"]], true],
    ["every tag of a group (AND)", [["disk", "db-1", "critical"]], true],
    ["one tag missing fails the group", [["disk", "db-2"]], false],
    ["any group (OR)", [["db-2"], ["db-1"]], true],
    ["no group matches", [["db-2"], ["us-east"]], false],
    ["an empty group never matches", [[]], false],
    ["a blank-tag group never matches", [["", "  "]], false],
    ["blank tags are ignored inside a group", [["", "disk"]], true],
    ["tags are trimmed", [["  disk full "]], true],
  ])("%s", (_name, tags, expected) => {
    expect(inMaintenance({ state: "active", maintenance: { tags }, now, payloadText: text })).toBe(
      expected,
    );
  });

  it("tags apply to state maintenance too", () => {
    const maintenance = { tags: [["db-2"]] };
    expect(inMaintenance({ state: "maintenance", maintenance, now, payloadText: text })).toBe(
      false,
    );
    expect(
      inMaintenance({ state: "maintenance", maintenance, now, payloadText: "db-2 down" }),
    ).toBe(true);
  });

  it("tags outside the window do not matter", () => {
    const maintenance = { end: at("2025-01-01T00:00:00Z"), tags: [["disk"]] };
    expect(inMaintenance({ state: "active", maintenance, now, payloadText: text })).toBe(false);
  });

  it("unicode tags", () => {
    const maintenance = { tags: [["磁盘", "ÄRGER"]] };
    expect(inMaintenance({ state: "active", maintenance, now, payloadText: "磁盘 ärger" })).toBe(
      true,
    );
  });

  it("an empty payload never matches a tag", () => {
    expect(
      inMaintenance({ state: "active", maintenance: { tags: [["x"]] }, now, payloadText: "" }),
    ).toBe(false);
  });
});

describe("validateMaintenance", () => {
  const tags = (groups: number, perGroup: number, tag = "t") =>
    Array.from({ length: groups }, () => Array.from({ length: perGroup }, () => tag));

  it.each<[string, MaintenanceWindow, Array<{ field: string; message: string }>]>([
    ["no start and no end", {}, []],
    ["a window", { start: at("2025-06-01T11:00:00Z"), end: at("2025-06-01T13:00:00Z") }, []],
    ["only an end in the past", { end: at("2025-01-01T00:00:00Z") }, []],
    [
      "end before start",
      { start: at("2025-06-01T13:00:00Z"), end: at("2025-06-01T11:00:00Z") },
      [{ field: "end", message: "must be after start" }],
    ],
    [
      "end equal to start",
      { start: now, end: now },
      [{ field: "end", message: "must be after start" }],
    ],
    ["10 groups of 10 tags of 50 characters", { tags: tags(10, 10, "x".repeat(50)) }, []],
    ["50 characters counted as code points", { tags: [["🙂".repeat(50)]] }, []],
    ["no groups", { tags: [] }, []],
    ["11 groups", { tags: tags(11, 1) }, [{ field: "tags", message: "at most 10 groups" }]],
    [
      "11 tags in a group",
      { tags: [["a"], tags(1, 11)[0] ?? []] },
      [{ field: "tags[1]", message: "at most 10 tags" }],
    ],
    [
      "a tag of 51 characters",
      { tags: [["ok", "x".repeat(51)]] },
      [{ field: "tags[0][1]", message: "at most 50 characters" }],
    ],
    ["an empty group", { tags: [[]] }, [{ field: "tags[0]", message: "must not be empty" }]],
    [
      "a blank tag",
      { tags: [["disk", "  "]] },
      [{ field: "tags[0][1]", message: "must not be blank" }],
    ],
  ])("%s", (_name, window, expected) => {
    expect(validateMaintenance(window)).toEqual(expected);
  });
});
