import { describe, expect, it } from "vitest";
import { isSupportedLanguage, normalizeLanguage, SUPPORTED_LANGUAGES } from "../index.js";

describe("normalizeLanguage", () => {
  it.each(SUPPORTED_LANGUAGES)("%s maps to itself", (lng) => {
    expect(normalizeLanguage(lng)).toBe(lng);
    expect(normalizeLanguage(lng.toUpperCase())).toBe(lng);
    expect(normalizeLanguage(lng.toLowerCase())).toBe(lng);
  });

  it.each([
    ["PT-br", "pt-BR"],
    ["pt-br", "pt-BR"],
    ["pt-PT", "pt"],
    ["pt-AO", "pt"],
    ["pt", "pt"],
    ["en-US", "en"],
    ["en-GB", "en"],
    ["EN", "en"],
    ["de-AT", "de"],
    ["de-CH", "de"],
    ["fr-CA", "fr"],
    ["es-419", "es"],
    ["es-MX", "es"],
    ["sr-Latn-RS", "en"],
    ["zh", "zh-CN"],
    ["zh-Hans", "zh-CN"],
    ["zh-hans-cn", "zh-CN"],
    ["zh-SG", "zh-CN"],
    ["zh-CN", "zh-CN"],
    ["zh-Hans-HK", "zh-CN"],
    ["zh-Hant", "zh-TW"],
    ["zh-HK", "zh-TW"],
    ["zh-MO", "zh-TW"],
    ["zh-TW", "zh-TW"],
    ["zh-Hant-TW", "zh-TW"],
    ["zh-Hant-CN", "zh-TW"],
    ["no", "nb"],
    ["nn", "nb"],
    ["nb-NO", "nb"],
    ["nn-NO", "nb"],
    ["iw", "he"],
    ["iw-IL", "he"],
    ["in", "id"],
    ["in-ID", "id"],
    ["ja-JP", "ja"],
    ["ko-KR", "ko"],
    ["ar-EG", "ar"],
    ["fa-IR", "fa"],
    ["en-US-u-ca-gregory", "en"],
    ["de-DE-x-private", "de"],
    [" de ", "de"],
    ["pt_BR", "pt-BR"],
  ])("%j -> %s", (tag, expected) => {
    expect(normalizeLanguage(tag)).toBe(expected);
  });

  it.each([
    "",
    "   ",
    "xx",
    "xx-YY",
    "klingon",
    "*",
    "-",
    "en-",
    "-en",
    "en--US",
    "e",
    "1234",
    "de DE",
    "de;q=0.9",
    "en-US,en;q=0.5",
    "zz-Hant",
    "x-private",
    "i-klingon",
    "ü",
    `en-${"a".repeat(200)}`,
  ])("%j -> en (unknown or malformed)", (tag) => {
    expect(normalizeLanguage(tag)).toBe("en");
  });

  it.each([undefined, null])("%s -> en", (tag) => {
    expect(normalizeLanguage(tag)).toBe("en");
  });
});

describe("isSupportedLanguage", () => {
  it.each([
    ...SUPPORTED_LANGUAGES,
    "en-US",
    "EN",
    "pt-br",
    "zh",
    "zh-Hant",
    "zh-HK",
    "no",
    "nn",
    "iw",
    "in",
    "de-AT",
  ])("%j is supported", (tag) => {
    expect(isSupportedLanguage(tag)).toBe(true);
  });

  it.each(["xx", "", " ", "klingon", "*", "en-", "x-private", "sr", "yue"])(
    "%j is not supported",
    (tag) => {
      expect(isSupportedLanguage(tag)).toBe(false);
    },
  );
});
