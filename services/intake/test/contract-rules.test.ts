import {
  isSupportedLanguage,
  languageTagPattern,
  SUPPORTED_LANGUAGES,
  SUPPORTED_PRIMARY_SUBTAGS,
} from "@sqibs/i18n";
import { INTEGRATION_TEMPLATES } from "@sqibs/templates";
import { describe, expect, it } from "vitest";
import { securedOperations } from "../src/http/auth.js";
import { loadApiDocument } from "../src/http/openapi.js";
import { decodeCursor, decodeEventCursor, encodeEventCursor } from "../src/usecases/pagination.js";

/**
 * The contract says exactly what the service accepts (issue 15): every rule the OpenAPI
 * document states as a pattern or an enum is the code's own, compared here, so that
 * schemathesis' "schema-valid request rejected" cannot come back unnoticed.
 */
const document = loadApiDocument();
const schema = (name: string) =>
  document.components?.schemas?.[name] as { pattern?: string; enum?: string[] };

describe("the OpenAPI document states the service's own rules", () => {
  it("LanguageTag is exactly the tags matchLanguage accepts", () => {
    const pattern = schema("LanguageTag").pattern ?? "";
    expect(pattern).toBe(languageTagPattern());
    const matches = (tag: string) => new RegExp(pattern).test(tag);
    const tags = [
      ...SUPPORTED_LANGUAGES,
      ...SUPPORTED_PRIMARY_SUBTAGS,
      ...SUPPORTED_PRIMARY_SUBTAGS.map((tag) => tag.toUpperCase()),
      "de-AT",
      "pt_br",
      "zh-Hant-TW",
      "en-US-x-twain",
      "iw",
      "no",
      "tlh",
      "xx",
      "",
      "en-",
      "-en",
      "e",
      "eng",
      "de_",
      "en-toolongsubtag",
      "de--AT",
    ];
    for (const tag of tags) expect([tag, matches(tag)]).toEqual([tag, isSupportedLanguage(tag)]);
  });

  it("SupportedLanguage lists the supported languages", () => {
    expect(schema("SupportedLanguage").enum).toEqual([...SUPPORTED_LANGUAGES]);
  });

  it("IntegrationTemplateName lists the built-in templates", () => {
    expect(schema("IntegrationTemplateName").enum).toEqual(
      INTEGRATION_TEMPLATES.map((template) => template.name),
    );
  });

  it("every PageCursor is a cursor the service reads; nothing else is", () => {
    const pattern = new RegExp(schema("PageCursor").pattern ?? "");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let n = 0; n < 500; n += 1) {
      const cursor = Array.from(
        { length: 16 },
        () => alphabet[Math.floor(Math.random() * alphabet.length)],
      ).join("");
      expect(pattern.test(cursor)).toBe(true);
      expect(decodeCursor(cursor)).toMatch(/^[0-9a-f]{24}$/);
    }
    for (const cursor of ["", "0", "A".repeat(15), "A".repeat(17), "AAAAAAAAAAAAAAA="]) {
      expect(pattern.test(cursor)).toBe(false);
      expect(() => decodeCursor(cursor)).toThrow();
    }
  });

  it("every EventCursor is a place in an incident's history; the service's own read back", () => {
    const pattern = new RegExp(schema("EventCursor").pattern ?? "");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let n = 0; n < 500; n += 1) {
      const length = 11 + Math.floor(Math.random() * 118);
      const cursor = Array.from(
        { length },
        () => alphabet[Math.floor(Math.random() * alphabet.length)],
      ).join("");
      expect(pattern.test(cursor)).toBe(true);
      expect(decodeEventCursor(cursor)?.at.getTime()).not.toBeNaN();
    }
    const position = { at: new Date("2026-11-28T10:00:00Z"), id: "6643a1f0c2a4b1e3d4f5a6b7:v3" };
    const cursor = encodeEventCursor(position);
    expect(pattern.test(cursor)).toBe(true);
    expect(decodeEventCursor(cursor)).toEqual(position);
  });

  it("the token scopes each operation takes are its security requirements' roles", () => {
    const operations = securedOperations(document);
    const find = (method: string, path: string) =>
      operations.find(
        (operation) => operation.method === method.toLowerCase() && operation.path.test(path),
      )?.security;
    expect(find("POST", "/v1/process")).toEqual({
      scopes: ["global", "team", "service"],
      tokenInUrl: true,
      session: false,
    });
    expect(find("POST", "/sqibs-api/v1/request")).toMatchObject({
      scopes: ["global"],
      tokenInUrl: true,
    });
    for (const [method, path] of [
      ["GET", "/v1/account"],
      ["POST", "/v1/tokens"],
      ["GET", "/v1/incidents/6643a1f0c2a4b1e3d4f5a6b7/events"],
      ["DELETE", "/V1/Services/abc/"],
      ["POST", "/v1/teams"],
      ["POST", "/v1/webhooks/abc/deliveries/def/redeliver"],
    ] as const) {
      expect(find(method, path)).toEqual({ scopes: ["admin"], tokenInUrl: false, session: true });
    }
    // Sign-in, the session's own operations and health take no API token.
    for (const [method, path] of [
      ["POST", "/v1/sessions"],
      ["GET", "/v1/sessions"],
      ["GET", "/healthz"],
    ] as const) {
      expect(find(method, path)).toBeUndefined();
    }
  });
});
