import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SUPPORTED_LANGUAGES } from "../index.js";
import { TITLES, type TitleKey } from "../resources.js";

const KEYS: readonly TitleKey[] = [
  "incidentFrom",
  "incidentFromUnknown",
  "requestFrom",
  "requestFromUnknown",
];
const WITH_FROM: readonly TitleKey[] = ["incidentFrom", "requestFrom"];
const UNKNOWN: readonly TitleKey[] = ["incidentFromUnknown", "requestFromUnknown"];

const cells = SUPPORTED_LANGUAGES.flatMap((lng) => KEYS.map((key) => ({ lng, key })));

describe("bundled resources", () => {
  it("has exactly the 36 languages, in order, with one locale folder each", () => {
    expect(SUPPORTED_LANGUAGES).toHaveLength(36);
    expect(new Set(SUPPORTED_LANGUAGES).size).toBe(36);
    expect(Object.keys(TITLES)).toEqual([...SUPPORTED_LANGUAGES]);
    const folders = readdirSync(new URL("../locales/", import.meta.url)).sort();
    expect(folders).toEqual([...SUPPORTED_LANGUAGES].sort());
  });

  it.each(SUPPORTED_LANGUAGES)("%s has exactly the four keys", (lng) => {
    expect(Object.keys(TITLES[lng]).sort()).toEqual([...KEYS].sort());
  });

  it.each(cells)("$lng.$key is a non-empty single trimmed line", ({ lng, key }) => {
    const value = TITLES[lng][key];
    expect(typeof value).toBe("string");
    expect(value.length).toBeGreaterThan(0);
    expect(value).toBe(value.trim());
    expect(value).not.toMatch(/[\r\n\u2028\u2029]/);
    // No bidi controls or other invisible format characters, no trailing punctuation.
    expect(value).not.toMatch(/\p{Cf}/u);
    expect(value).not.toMatch(/[.!?。！？:;]$/u);
  });

  it.each(SUPPORTED_LANGUAGES.flatMap((lng) => WITH_FROM.map((key) => ({ lng, key }))))(
    "$lng.$key contains {{from}} exactly once",
    ({ lng, key }) => {
      const value = TITLES[lng][key];
      expect(value.split("{{from}}")).toHaveLength(2);
      expect(value.split("{{")).toHaveLength(2);
      expect(value.split("}}")).toHaveLength(2);
    },
  );

  it.each(SUPPORTED_LANGUAGES.flatMap((lng) => UNKNOWN.map((key) => ({ lng, key }))))(
    "$lng.$key has no placeholder",
    ({ lng, key }) => {
      expect(TITLES[lng][key]).not.toContain("{{");
      expect(TITLES[lng][key]).not.toContain("}}");
      expect(TITLES[lng][key]).not.toContain("$t(");
    },
  );

  it.each(cells.filter(({ lng }) => lng !== "en"))(
    "$lng.$key is translated (differs from English)",
    ({ lng, key }) => {
      expect(TITLES[lng][key]).not.toBe(TITLES.en[key]);
    },
  );

  it("Tamil joins its 'from' suffix to the name (hyphenated: the name is not Tamil)", () => {
    expect(TITLES.ta.incidentFrom).toMatch(/^\{\{from\}\}-இலிருந்து /u);
    expect(TITLES.ta.requestFrom).toMatch(/^\{\{from\}\}-இலிருந்து /u);
  });

  it("European and Brazilian Portuguese differ for requests", () => {
    expect(TITLES.pt.requestFrom).not.toBe(TITLES["pt-BR"].requestFrom);
    expect(TITLES.pt.requestFromUnknown).not.toBe(TITLES["pt-BR"].requestFromUnknown);
  });

  it("Simplified and Traditional Chinese differ", () => {
    for (const key of KEYS) expect(TITLES["zh-CN"][key]).not.toBe(TITLES["zh-TW"][key]);
  });
});
