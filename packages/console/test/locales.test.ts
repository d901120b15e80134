import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dir = new URL("../src/locales/", import.meta.url);
const SHIPPED = ["en", "de", "fr", "es", "pt-BR", "ja", "zh-CN", "ar"];

type Tree = { [key: string]: string | Tree };
const load = (language: string): Tree =>
  JSON.parse(readFileSync(new URL(`${language}.json`, dir), "utf8"));

/** "tokens.endpoints.title" → its text, for every leaf. */
function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") found.set(path, value);
    else for (const [inner, text] of leaves(value, path)) found.set(inner, text);
  }
  return found;
}

const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const english = leaves(load("en"));

describe("console locales", () => {
  it("ships exactly the promised languages", () => {
    const files = readdirSync(dir).map((name) => name.replace(/\.json$/, ""));
    expect(files.sort()).toEqual([...SHIPPED].sort());
  });

  it.each(SHIPPED.filter((language) => language !== "en"))(
    "%s has every English key, no other, each with the same {{variables}} and none left blank",
    (language) => {
      const translated = leaves(load(language));
      expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
      for (const [key, text] of english) {
        const other = translated.get(key) ?? "";
        expect(other.trim(), `${language} ${key}`).not.toBe("");
        expect(variables(other), `${language} ${key}`).toEqual(variables(text));
      }
    },
  );

  it.each(SHIPPED.filter((language) => language !== "en"))(
    "%s is translated (most texts differ from English)",
    (language) => {
      const translated = leaves(load(language));
      const same = [...english].filter(([key, text]) => translated.get(key) === text);
      // Names such as "curl", "JSON" or "from" may stay as they are.
      expect(same.length / english.size).toBeLessThan(0.15);
    },
  );
});
