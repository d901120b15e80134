import { describe, expect, it } from "vitest";
import {
  defaultTitle,
  RIGHT_TO_LEFT_LANGUAGES,
  removeDirectionalFormatting,
  SUPPORTED_LANGUAGES,
  type SupportedLanguage,
  type TitleKind,
} from "../index.js";
import { TITLES } from "../resources.js";

const KINDS: readonly TitleKind[] = ["incident", "request"];
const cells = SUPPORTED_LANGUAGES.flatMap((lng) => KINDS.map((kind) => ({ lng, kind })));

const FSI = "\u2068";
const PDI = "\u2069";

/** The name as the title of `lng` holds it: isolated in right-to-left languages. */
function inTitle(lng: SupportedLanguage, name: string): string {
  return RIGHT_TO_LEFT_LANGUAGES.has(lng) ? `${FSI}${name}${PDI}` : name;
}

describe("defaultTitle", () => {
  it.each(cells)("$lng $kind with a source names it", ({ lng, kind }) => {
    const title = defaultTitle(lng, kind, "Prometheus");
    expect(title).toContain("Prometheus");
    expect(title).not.toContain("{{");
    expect(title).not.toContain("}}");
    const key = kind === "incident" ? "incidentFrom" : "requestFrom";
    expect(title).toBe(TITLES[lng][key].replace("{{from}}", () => inTitle(lng, "Prometheus")));
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
    ["ar", "incident", "Prometheus", "حادث من \u2068Prometheus\u2069"],
    ["ar", "incident", undefined, "حادث من مصدر غير معروف"],
    ["ar", "request", "Prometheus", "طلب من \u2068Prometheus\u2069"],
    ["ar", "request", undefined, "طلب من مصدر غير معروف"],
    ["pt-BR", "incident", "Prometheus", "Incidente de Prometheus"],
    ["pt-BR", "incident", undefined, "Incidente de origem desconhecida"],
    ["pt-BR", "request", "Prometheus", "Solicitação de Prometheus"],
    ["pt-BR", "request", undefined, "Solicitação de origem desconhecida"],
    ["pt", "request", "Grafana", "Pedido de Grafana"],
  ] as const)("%s %s from %j -> %j", (lng, kind, from, expected) => {
    expect(defaultTitle(lng, kind, from)).toBe(expected);
  });

  describe("right-to-left languages isolate the name; Tamil joins its suffix to it", () => {
    it.each([
      ["ar", "incident", "[prod] C++", "حادث من \u2068[prod] C++\u2069"],
      ["ar", "request", "12 alerts", "طلب من \u206812 alerts\u2069"],
      ["he", "incident", "[prod] C++", "תקרית מ-\u2068[prod] C++\u2069"],
      ["he", "request", "12 alerts", "בקשה מ-\u206812 alerts\u2069"],
      ["fa", "incident", "12 alerts", "رخداد از \u206812 alerts\u2069"],
      ["fa", "request", "[prod] C++", "درخواست از \u2068[prod] C++\u2069"],
      // Already holding overrides or isolates: removed, so the one isolate is balanced.
      ["ar", "incident", "\u202E[prod] C++\u202C", "حادث من \u2068[prod] C++\u2069"],
      ["he", "incident", "\u2067evil\u2069 12", "תקרית מ-\u2068evil 12\u2069"],
      ["fa", "request", "\u2066\u2066open", "درخواست از \u2068open\u2069"],
      ["ar", "request", "a\u202Ab\u202Bc\u202Dd\u2068e", "طلب من \u2068abcde\u2069"],
      // Nothing but directional formatting: no name.
      ["he", "incident", "\u202E\u202C\u2066\u2069", "תקרית ממקור לא ידוע"],
      // Implicit marks stay: a sender's own fix for its mixed-direction name.
      ["he", "incident", "שרת C++\u200E", "תקרית מ-\u2068שרת C++\u200E\u2069"],
      ["ar", "incident", "\u061C12 تنبيه", "حادث من \u2068\u061C12 تنبيه\u2069"],
      // Left-to-right languages: cleaned, not isolated.
      ["en", "incident", "\u202E[prod] C++", "Incident from [prod] C++"],
      ["de", "request", "12 alerts\u2069", "Anfrage von 12 alerts"],
      // Tamil's ablative suffix -இலிருந்து is joined to the name, hyphenated after a foreign name.
      ["ta", "incident", "Prometheus", "Prometheus-இலிருந்து வந்த சம்பவம்"],
      ["ta", "request", "[prod] C++", "[prod] C++-இலிருந்து வந்த கோரிக்கை"],
      ["ta", "incident", undefined, "அறியப்படாத மூலத்திலிருந்து வந்த சம்பவம்"],
    ] as const)("%s %s from %j -> %j", (lng, kind, from, expected) => {
      expect(defaultTitle(lng, kind, from)).toBe(expected);
    });

    it.each(SUPPORTED_LANGUAGES.filter((lng) => !RIGHT_TO_LEFT_LANGUAGES.has(lng)))(
      "%s titles hold no isolate",
      (lng) => {
        for (const kind of KINDS) {
          expect(defaultTitle(lng, kind, "[prod] C++")).not.toMatch(/[\u2066-\u2069]/);
        }
      },
    );
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
  )("$lng $kind renders $from verbatim but for directional formatting", ({ lng, kind, from }) => {
    const key = kind === "incident" ? "incidentFrom" : "requestFrom";
    const [before, after] = TITLES[lng][key].split("{{from}}") as [string, string];
    const name = removeDirectionalFormatting(from);
    expect(defaultTitle(lng, kind, from)).toBe(before + inTitle(lng, name) + after);
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
