import { describe, expect, it } from "vitest";
import { readKey } from "../keys.js";
import { prometheusAlert } from "./helpers.js";

describe("readKey: paths", () => {
  const json = {
    a: { b: { c: "deep" } },
    "a.b": "literal wins",
    list: [{ name: "first" }, { name: "second" }],
    matrix: [
      [1, 2],
      [3, 4],
    ],
    byIndex: { "0": "zero key" },
    "x.y": null,
    x: { y: "path after an absent literal" },
    "": "empty key",
    " ": "space key",
  };
  it.each([
    ["a top-level key", "a.b.c", "deep"],
    ["a literal dotted key wins over the path", "a.b", "literal wins"],
    ["an array index", "list.0.name", "first"],
    ["a second array index", "list.1.name", "second"],
    ["nested arrays", "matrix.1.0", "3"],
    ["a numeric key of an object", "byIndex.0", "zero key"],
    ["an absent literal falls back to the path", "x.y", "path after an absent literal"],
  ])("%s: %s", (_name, path, expected) => {
    expect(readKey(json, path)).toBe(expected);
  });

  it.each([
    ["commonLabels.alertname", "HighCPU"],
    ["alerts.0.annotations.summary", "CPU above 90% on node-1"],
    ["alerts.0.labels", '{"alertname":"HighCPU","severity":"critical","instance":"node-1:9100"}'],
  ])("Alertmanager payload: %s", (path, expected) => {
    expect(readKey(prometheusAlert, path)).toBe(expected);
  });

  it.each([
    ["a missing key", "nope"],
    ["a missing nested key", "a.b.nope"],
    ["an index out of range", "list.5.name"],
    ["a negative index", "list.-1.name"],
    ["a non-canonical index", "list.01.name"],
    ["array length is not a key", "list.length"],
    ["a path through a string", "a.b.c.length"],
    ["an undefined path", undefined],
    ["an empty path", ""],
    ["a whitespace path", "   "],
  ])("%s is absent", (_name, path) => {
    expect(readKey(json, path)).toBeUndefined();
  });

  it("indexes a top-level array", () => {
    expect(readKey([{ a: "x" }], "0.a")).toBe("x");
    expect(readKey(["x"], "0")).toBe("x");
  });

  it.each([[undefined], [null], ["text"], [42]])("non-container JSON %s has no keys", (json) => {
    expect(readKey(json, "a")).toBeUndefined();
  });
});

describe("readKey: rendering", () => {
  it.each([
    ["a string as it is", "  padded  ", "  padded  "],
    ["a unicode string", "磁盘已满 القرص", "磁盘已满 القرص"],
    ["an integer", 42, "42"],
    ["a float", 1.5, "1.5"],
    ["a negative exponent", 1e-7, "1e-7"],
    ["zero", 0, "0"],
    ["true", true, "true"],
    ["false", false, "false"],
    ["an object as compact JSON", { b: 1, c: [true, null] }, '{"b":1,"c":[true,null]}'],
    ["an array as compact JSON", [1, "two"], '[1,"two"]'],
    ["an empty object", {}, "{}"],
    ["an empty array", [], "[]"],
  ])("%s", (_name, value, expected) => {
    expect(readKey({ v: value }, "v")).toBe(expected);
  });

  it.each([
    ["null", null],
    ["an empty string", ""],
    ["a whitespace string", " \t\n "],
  ])("%s is absent", (_name, value) => {
    expect(readKey({ v: value }, "v")).toBeUndefined();
  });
});

describe("readKey: own properties only", () => {
  const parsed: unknown = JSON.parse('{"__proto__":{"x":"own proto"},"plain":{}}');
  it.each([
    ["an own __proto__ key", "__proto__.x", "own proto"],
    ["inherited constructor", "plain.constructor", undefined],
    ["inherited toString", "toString", undefined],
    ["inherited hasOwnProperty", "plain.hasOwnProperty", undefined],
    ["inherited __proto__ of a nested object", "plain.__proto__", undefined],
    ["constructor.prototype", "constructor.prototype", undefined],
  ])("%s", (_name, path, expected) => {
    expect(readKey(parsed, path)).toBe(expected);
  });

  it("reads own keys named like Object members", () => {
    expect(readKey({ constructor: "own", toString: 1 }, "constructor")).toBe("own");
    expect(readKey({ constructor: "own", toString: 1 }, "toString")).toBe("1");
  });
});
