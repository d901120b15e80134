import { describe, expect, it } from "vitest";
import { isolate, unclosedIsolates } from "../direction.js";
import {
  RIGHT_TO_LEFT_LANGUAGES,
  removeDirectionalFormatting,
  SUPPORTED_LANGUAGES,
} from "../index.js";

/** `Intl.Locale#getTextInfo` (ES2024 Intl Locale Info) is not in TypeScript's ES2024 lib yet. */
function directionOf(tag: string): string {
  const locale = new Intl.Locale(tag) as Intl.Locale & { getTextInfo(): { direction: string } };
  return locale.getTextInfo().direction;
}

describe("RIGHT_TO_LEFT_LANGUAGES", () => {
  it("is exactly the supported languages Intl writes right to left", () => {
    const rightToLeft = SUPPORTED_LANGUAGES.filter((lng) => directionOf(lng) === "rtl");
    expect(rightToLeft).toEqual(["ar", "he", "fa"]);
    expect([...RIGHT_TO_LEFT_LANGUAGES].sort()).toEqual([...rightToLeft].sort());
  });
});

describe("removeDirectionalFormatting", () => {
  it.each([
    ["U+202A LEFT-TO-RIGHT EMBEDDING", "\u202A"],
    ["U+202B RIGHT-TO-LEFT EMBEDDING", "\u202B"],
    ["U+202C POP DIRECTIONAL FORMATTING", "\u202C"],
    ["U+202D LEFT-TO-RIGHT OVERRIDE", "\u202D"],
    ["U+202E RIGHT-TO-LEFT OVERRIDE", "\u202E"],
    ["U+2066 LEFT-TO-RIGHT ISOLATE", "\u2066"],
    ["U+2067 RIGHT-TO-LEFT ISOLATE", "\u2067"],
    ["U+2068 FIRST STRONG ISOLATE", "\u2068"],
    ["U+2069 POP DIRECTIONAL ISOLATE", "\u2069"],
  ])("removes %s wherever it is", (_name, control) => {
    expect(removeDirectionalFormatting(`${control}a${control}b${control}`)).toBe("ab");
  });

  it.each([
    ["U+200E LEFT-TO-RIGHT MARK", "\u200E"],
    ["U+200F RIGHT-TO-LEFT MARK", "\u200F"],
    ["U+061C ARABIC LETTER MARK", "\u061C"],
    ["U+200C ZERO WIDTH NON-JOINER (Persian spelling)", "\u200C"],
    ["U+200D ZERO WIDTH JOINER (emoji sequences)", "\u200D"],
  ])("keeps %s", (_name, character) => {
    expect(removeDirectionalFormatting(`a${character}b`)).toBe(`a${character}b`);
  });

  it.each(["", "Prometheus", "[prod] C++", "12 alerts", "مراقبة", "می\u200Cخواهم", "🇯🇵"])(
    "leaves %j as it is",
    (text) => {
      expect(removeDirectionalFormatting(text)).toBe(text);
    },
  );
});

describe("isolates", () => {
  it("wraps a text in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE", () => {
    expect(isolate("12 alerts")).toBe("\u206812 alerts\u2069");
  });

  it.each([
    ["", 0],
    ["plain", 0],
    ["\u2068a", 1],
    ["\u2068a\u2069", 0],
    ["\u2069\u2068", 1],
    ["\u2066\u2067\u2068\u2069", 2],
    ["\u2069\u2069", 0],
    ["\u202B\u202E", 0],
    ["\u2068a\u2069b\u2067", 1],
  ])("%j leaves %i open", (text, open) => {
    expect(unclosedIsolates(text)).toBe(open);
  });
});
