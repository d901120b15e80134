import { describe, expect, it } from "vitest";
import { defaultTitle, SUPPORTED_LANGUAGES, type TitleKind } from "../index.js";
import { TITLES } from "../resources.js";

const KINDS: readonly TitleKind[] = ["incident", "request"];
const cells = SUPPORTED_LANGUAGES.flatMap((lng) => KINDS.map((kind) => ({ lng, kind })));

describe("defaultTitle", () => {
  it.each(cells)("$lng $kind with a source names it", ({ lng, kind }) => {
    const title = defaultTitle(lng, kind, "Prometheus");
    expect(title).toContain("Prometheus");
    expect(title).not.toContain("{{");
    expect(title).not.toContain("}}");
    const key = kind === "incident" ? "incidentFrom" : "requestFrom";
    expect(title).toBe(TITLES[lng][key].replace("{{from}}", () => "Prometheus"));
  });

  it.each(cells)("$lng $kind without a source is the unknown-source text", ({ lng, kind }) => {
    const key = kind === "incident" ? "incidentFromUnknown" : "requestFromUnknown";
    expect(defaultTitle(lng, kind, undefined)).toBe(TITLES[lng][key]);
    expect(defaultTitle(lng, kind, "")).toBe(TITLES[lng][key]);
  });

  it.each([
    ["en", "incident", "Prometheus", "Incident from Prometheus"],
    ["en", "incident", undefined, "Incident from unknown source"],
    ["en", "request", "Prometheus", "Request from Prometheus"],
    ["en", "request", undefined, "Request from unknown source"],
    ["de", "incident", "Prometheus", "Vorfall von Prometheus"],
    ["de", "incident", undefined, "Vorfall aus unbekannter Quelle"],
    ["de", "request", "Prometheus", "Anfrage von Prometheus"],
    ["de", "request", undefined, "Anfrage aus unbekannter Quelle"],
    ["ja", "incident", "Prometheus", "Prometheusからのインシデント"],
    ["ja", "incident", undefined, "不明なソースからのインシデント"],
    ["ja", "request", "Prometheus", "Prometheusからのリクエスト"],
    ["ja", "request", undefined, "不明なソースからのリクエスト"],
    ["ar", "incident", "Prometheus", "حادث من Prometheus"],
    ["ar", "incident", undefined, "حادث من مصدر غير معروف"],
    ["ar", "request", "Prometheus", "طلب من Prometheus"],
    ["ar", "request", undefined, "طلب من مصدر غير معروف"],
    ["pt-BR", "incident", "Prometheus", "Incidente de Prometheus"],
    ["pt-BR", "incident", undefined, "Incidente de origem desconhecida"],
    ["pt-BR", "request", "Prometheus", "Solicitação de Prometheus"],
    ["pt-BR", "request", undefined, "Solicitação de origem desconhecida"],
    ["pt", "request", "Grafana", "Pedido de Grafana"],
  ] as const)("%s %s from %j -> %j", (lng, kind, from, expected) => {
    expect(defaultTitle(lng, kind, from)).toBe(expected);
  });

  it.each([
    ["en-US", "en"],
    ["de-AT", "de"],
    ["PT-br", "pt-BR"],
    ["zh-HK", "zh-TW"],
    ["xx", "en"],
    ["", "en"],
    ["not a tag", "en"],
  ] as const)("language %j renders as %s", (tag, lng) => {
    expect(defaultTitle(tag, "incident", "Zabbix")).toBe(
      TITLES[lng].incidentFrom.replace("{{from}}", "Zabbix"),
    );
    expect(defaultTitle(tag, "request", undefined)).toBe(TITLES[lng].requestFromUnknown);
  });

  const hostile = [
    "{{from}}",
    "{{ from }}",
    "{{- from}}",
    "{{from, uppercase}}",
    "$&",
    "$1",
    "$$",
    "$`",
    "$'",
    "%s",
    "%d %%",
    "$t(incidentFromUnknown)",
    '$t(titles:requestFrom, {"from": "x"})',
    "<b>x</b>",
    "&amp; <script>alert(1)</script> \"'",
    "a\nb",
    "a\r\nb\tc",
    "🔥 Grafana 👩🏽‍💻 🇯🇵",
    "x".repeat(2000),
    "Ω≈ç√∫ — \u202eRTL\u202c",
    "__proto__",
    "constructor",
    " ",
  ];

  it.each(
    SUPPORTED_LANGUAGES.flatMap((lng) =>
      KINDS.flatMap((kind) => hostile.map((from) => ({ lng, kind, from }))),
    ),
  )("$lng $kind renders $from verbatim", ({ lng, kind, from }) => {
    const key = kind === "incident" ? "incidentFrom" : "requestFrom";
    const [before, after] = TITLES[lng][key].split("{{from}}") as [string, string];
    expect(defaultTitle(lng, kind, from)).toBe(before + from + after);
  });

  it("gives the same result from the render cache, also past its bounds", () => {
    const sources = Array.from({ length: 600 }, (_, i) => `tool-{{from}}-$&-${i}`);
    for (let round = 0; round < 3; round++) {
      for (const from of sources) {
        expect(defaultTitle("ja", "request", from)).toBe(`${from}からのリクエスト`);
        expect(defaultTitle("ja", "incident", from)).toBe(`${from}からのインシデント`);
      }
    }
    const long = "z".repeat(300);
    expect(defaultTitle("en", "request", long)).toBe(`Request from ${long}`);
    expect(defaultTitle("en", "request", long)).toBe(`Request from ${long}`);
  });

  it("keeps a 2,000-character source whole", () => {
    const from = "y".repeat(2000);
    const title = defaultTitle("en", "incident", from);
    expect(title).toBe(`Incident from ${from}`);
    expect(title).toHaveLength("Incident from ".length + 2000);
  });

  it("rejects an unknown kind", () => {
    expect(() => defaultTitle("en", "alert" as TitleKind, "x")).toThrow(TypeError);
  });

  it("is cheap on the hot path", () => {
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) defaultTitle("de-AT", "incident", `Grafana ${i}`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
