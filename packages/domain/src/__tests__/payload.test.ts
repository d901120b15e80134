import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, readPayload, textPayload } from "../payload.js";
import { bytes } from "./helpers.js";

describe("readPayload: text content types are decoded and JSON-detected", () => {
  it.each([
    [undefined],
    [""],
    ["application/json"],
    ["application/json; charset=utf-8"],
    ["APPLICATION/JSON"],
    ["application/vnd.api+json"],
    ["application/problem+json"],
    ["text/plain"],
    ["text/plain;charset=UTF-8"],
    ["text/html"],
    ["application/x-www-form-urlencoded"],
    ["application/xml"],
    ["application/atom+xml"],
  ])("%s reads a JSON object", (contentType) => {
    const payload = readPayload(bytes('{"a":1}'), contentType);
    expect(payload).toEqual({ text: '{"a":1}', json: { a: 1 }, isJson: true });
  });
});

describe("readPayload: other content types are an empty payload", () => {
  it.each([
    ["application/octet-stream"],
    ["image/png"],
    ["multipart/form-data; boundary=x"],
    ["application/pdf"],
    ["application/jsonx"],
    ["textual/plain"],
    ["garbage"],
  ])("%s", (contentType) => {
    expect(readPayload(bytes('{"a":1}'), contentType)).toEqual({
      text: "",
      json: undefined,
      isJson: false,
    });
  });
});

describe("readPayload: JSON detection", () => {
  it.each([
    ["an object", '{"a":[1,2]}', { a: [1, 2] }],
    ["an array", "[1,2]", [1, 2]],
    ["leading whitespace", ' \n\t{"a":1}', { a: 1 }],
    ["an empty object", "{}", {}],
  ])("%s is JSON", (_name, text, json) => {
    expect(readPayload(bytes(text), "text/plain")).toEqual({ text, json, isJson: true });
  });

  it.each([
    ["malformed JSON", '{"a":'],
    ["trailing garbage", '{"a":1} x'],
    ["a JSON number", "123"],
    ["a JSON string", '"x"'],
    ["JSON true", "true"],
    ["JSON null", "null"],
    ["plain text", "disk full on db-1"],
    ["form data", "a=1&b=2"],
    ["XML", "<alert><title>x</title></alert>"],
    ["empty", ""],
  ])("%s is text", (_name, text) => {
    expect(readPayload(bytes(text), "application/json")).toEqual({
      text,
      json: undefined,
      isJson: false,
    });
  });

  it("curl -d JSON (x-www-form-urlencoded) is JSON", () => {
    const payload = readPayload(bytes('{"title":"x"}'), "application/x-www-form-urlencoded");
    expect(payload.isJson).toBe(true);
  });

  it("keeps __proto__ as an own key without polluting prototypes", () => {
    const payload = readPayload(bytes('{"__proto__":{"polluted":true}}'), "application/json");
    expect(Object.hasOwn(payload.json as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("textPayload detects JSON the same way", () => {
    expect(textPayload("[1]")).toEqual({ text: "[1]", json: [1], isJson: true });
    expect(textPayload("1")).toEqual({ text: "1", json: undefined, isJson: false });
  });
});

describe("readPayload: decoding", () => {
  it.each([
    ["UTF-8 by default", [0xc3, 0xa9], undefined, "é"],
    ["UTF-8 BOM stripped", [0xef, 0xbb, 0xbf, 0x7b, 0x7d], "application/json", "{}"],
    ["invalid UTF-8 becomes U+FFFD", [0x61, 0xff, 0x62], "text/plain", "a\uFFFDb"],
    ["truncated UTF-8 sequence", [0x61, 0xe2, 0x82], "text/plain", "a\uFFFD"],
    ["ISO-8859-1", [0xe9], "text/plain; charset=iso-8859-1", "é"],
    ["windows-1252", [0x80], "text/plain; charset=windows-1252", "€"],
    ["quoted charset", [0xe9], 'text/plain; charset="ISO-8859-1"', "é"],
    ["charset among other parameters", [0xe9], "text/plain; format=flowed; Charset=latin1", "é"],
    ["UTF-16LE with BOM", [0xff, 0xfe, 0x61, 0x00], "text/plain; charset=utf-16le", "a"],
    ["Shift_JIS", [0x93, 0xfa, 0x96, 0x7b], "text/plain; charset=shift_jis", "日本"],
    ["unknown charset reads as UTF-8", [0xc3, 0xa9], "text/plain; charset=x-unknown", "é"],
    ["empty charset reads as UTF-8", [0xc3, 0xa9], "text/plain; charset=", "é"],
  ])("%s", (_name, input, contentType, text) => {
    expect(readPayload(new Uint8Array(input), contentType).text).toBe(text);
  });

  it("decodes JSON in another charset", () => {
    const body = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"a":"é"} latin1
    expect(readPayload(body, "application/json; charset=iso-8859-1").json).toEqual({ a: "é" });
  });

  it.each([
    ["CJK", "磁盘已满"],
    ["RTL", "القرص ممتلئ"],
    ["emoji", "🔥👍🏽🇩🇪"],
  ])("round-trips %s", (_name, text) => {
    const body = JSON.stringify({ title: text });
    expect(readPayload(bytes(body), "application/json").json).toEqual({ title: text });
  });
});

describe("readPayload depth limit (hostile input)", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

  it(`reads JSON nested ${MAX_JSON_DEPTH} deep as JSON`, () => {
    expect(readPayload(bytes(nested(MAX_JSON_DEPTH)), "application/json").isJson).toBe(true);
  });

  it("reads deeper JSON as text, so rendering a value cannot overflow the stack", () => {
    const deep = `{"a":${nested(100_000)}}`;
    const payload = readPayload(bytes(deep), "application/json");
    expect(payload.isJson).toBe(false);
    expect(payload.text).toBe(deep);
  });

  it(`reads JSON nested ${MAX_JSON_DEPTH + 1} deep as text`, () => {
    expect(readPayload(bytes(nested(MAX_JSON_DEPTH + 1)), "application/json").isJson).toBe(false);
  });

  it("counts objects and arrays alike, wherever the deep branch is", () => {
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;
    const wideThenDeep = (depth: number) =>
      `[${Array.from({ length: 1_000 }, (_, i) => `{"n":${i}}`).join(",")},${objects(depth - 1)}]`;
    expect(readPayload(bytes(objects(MAX_JSON_DEPTH)), "application/json").isJson).toBe(true);
    expect(readPayload(bytes(objects(MAX_JSON_DEPTH + 1)), "application/json").isJson).toBe(false);
    expect(readPayload(bytes(wideThenDeep(MAX_JSON_DEPTH)), "application/json").isJson).toBe(true);
    expect(readPayload(bytes(wideThenDeep(MAX_JSON_DEPTH + 1)), "application/json").isJson).toBe(
      false,
    );
  });

  it("follows a __proto__ key like any other", () => {
    const deep = `{"__proto__":${nested(MAX_JSON_DEPTH)}}`;
    expect(readPayload(bytes(deep), "application/json").isJson).toBe(false);
  });

  it("counts no brackets inside strings", () => {
    const text = `{"a":"${"[".repeat(10_000)}","b":["\\"["]}`;
    expect(readPayload(bytes(text), "application/json").json).toEqual({
      a: "[".repeat(10_000),
      b: ['"['],
    });
  });
});
