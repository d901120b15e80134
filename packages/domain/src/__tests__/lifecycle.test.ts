import { describe, expect, it } from "vitest";
import {
  type IncidentStatus,
  isOpen,
  type LifecycleAction,
  TRANSITIONS,
  transitionApplies,
} from "../lifecycle.js";

describe("the incident lifecycle", () => {
  it.each<[LifecycleAction, IncidentStatus, IncidentStatus | undefined]>([
    ["acknowledge", "triggered", "acknowledged"],
    ["acknowledge", "acknowledged", undefined],
    ["acknowledge", "resolved", undefined],
    ["unacknowledge", "acknowledged", "triggered"],
    ["unacknowledge", "triggered", undefined],
    ["unacknowledge", "resolved", undefined],
    ["resolve", "triggered", "resolved"],
    ["resolve", "acknowledged", "resolved"],
    ["resolve", "resolved", undefined],
  ])("%s from %s leads to %s", (action, from, to) => {
    expect(transitionApplies(action, from)).toBe(to !== undefined);
    if (to !== undefined) expect(TRANSITIONS[action].to).toBe(to);
  });

  it("records each action as the event of its name", () => {
    expect(Object.values(TRANSITIONS).map((rule) => rule.event)).toEqual([
      "acknowledged",
      "unacknowledged",
      "resolved",
    ]);
  });

  it("counts triggered and acknowledged incidents as open, resolved ones not", () => {
    expect(
      ["triggered", "acknowledged", "resolved"].map((s) => isOpen(s as IncidentStatus)),
    ).toEqual([true, true, false]);
  });
});
