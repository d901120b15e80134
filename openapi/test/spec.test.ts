import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content?: Record<string, { examples?: unknown; example?: unknown }> };
  responses?: Record<
    string,
    { content?: Record<string, { examples?: unknown; example?: unknown }> }
  >;
}

const document = JSON.parse(
  readFileSync(new URL("../bundle/openapi.json", import.meta.url), "utf8"),
);
const METHODS = ["get", "put", "post", "patch", "delete"] as const;
const operations: Array<[string, Operation]> = Object.entries(
  document.paths as Record<string, Record<string, Operation>>,
).flatMap(([path, item]) =>
  METHODS.filter((method) => item[method]).map((method): [string, Operation] => [
    `${method.toUpperCase()} ${path}`,
    item[method] as Operation,
  ]),
);

type Response = { content?: Record<string, { examples?: unknown; example?: unknown }> };

/** Follows a local "#/components/..." reference of the bundle. */
function resolve(value: Response | { $ref: string }): Response {
  if (!("$ref" in value)) return value;
  const target = value.$ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node, key) => node[key], document);
  return resolve(target);
}

describe("the bundled OpenAPI document", () => {
  it("is OpenAPI 3.1 with the root and /sqibs-api servers", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers.map((server: { url: string }) => server.url)).toEqual([
      "/",
      "/sqibs-api",
    ]);
  });

  it("has unique operationIds", () => {
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(operations)("%s has an operationId, a summary and tags", (_name, operation) => {
    expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    expect(operation.summary).toBeTruthy();
    expect(operation.tags?.length).toBeGreaterThan(0);
  });

  it.each(operations)("%s shows an example for every JSON response", (_name, operation) => {
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      for (const [type, media] of Object.entries(resolve(response).content ?? {})) {
        if (!type.includes("json")) continue;
        expect(media.examples ?? media.example, `${status} ${type}`).toBeDefined();
      }
    }
  });

  it.each(operations.filter(([, operation]) => operation.security?.length !== 0))(
    "%s (authenticated) documents 401 as problem+json",
    (_name, operation) => {
      const unauthorized = operation.responses?.["401"];
      expect(
        unauthorized && resolve(unauthorized).content?.["application/problem+json"],
      ).toBeDefined();
    },
  );

  it.each(operations)("%s sends every 4xx/5xx as the shared problem+json", (_name, operation) => {
    const errors = Object.entries(operation.responses ?? {}).filter(
      ([status]) => Number(status) >= 400,
    );
    const mediaTypes = errors.map(([status, response]) => [
      status,
      Object.keys(resolve(response).content ?? {}),
    ]);
    expect(mediaTypes).toEqual(errors.map(([status]) => [status, ["application/problem+json"]]));
  });
});
