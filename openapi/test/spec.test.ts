import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Parameter {
  name: string;
  in: string;
}

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { content?: Record<string, { examples?: unknown; example?: unknown }> };
  responses?: Record<
    string,
    {
      content?: Record<string, { examples?: unknown; example?: unknown }>;
      links?: Record<string, { operationId: string; parameters?: Record<string, string> }>;
    }
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

/** Follows a local "#/components/..." reference of the bundle. */
function resolve<T extends object>(value: T | { $ref: string }): T {
  if (!("$ref" in value)) return value;
  const target = value.$ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node, key) => node[key], document);
  return resolve(target as T);
}

const pathParameters = (path: string): Parameter[] =>
  ((document.paths[path] as { parameters?: Operation["parameters"] }).parameters ?? []).map(
    (parameter) => resolve<Parameter>(parameter),
  );

/** Every parameter of an operation, its path item's included. */
function parametersOf(name: string, operation: Operation): Parameter[] {
  const path = name.slice(name.indexOf(" ") + 1);
  return [
    ...pathParameters(path),
    ...(operation.parameters ?? []).map((p) => resolve<Parameter>(p)),
  ];
}

const schemes = document.components.securitySchemes as Record<
  string,
  { type: string; in?: string; name?: string }
>;

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

  it.each(operations)(
    "%s takes credentials as security schemes only, never as parameters",
    (name, operation) => {
      const credentialParameters = Object.values(schemes)
        .filter((scheme) => scheme.type === "apiKey")
        .map((scheme) => `${scheme.in} ${scheme.name?.toLowerCase()}`);
      const credentials = parametersOf(name, operation)
        .map((parameter) => `${parameter.in} ${parameter.name.toLowerCase()}`)
        .filter((key) => credentialParameters.includes(key) || key === "header authorization");
      expect(credentials).toEqual([]);
    },
  );

  it.each(operations.filter(([, operation]) => operation.security?.length))(
    "%s lets only ingest tokens travel in the URL, and names the scopes it takes",
    (_name, operation) => {
      const ingest = operation.tags?.includes("ingest") ?? false;
      const inUrl = operation.security?.some((requirement) => "tokenQuery" in requirement);
      expect(inUrl).toBe(ingest);
      const scopes = (document.components.schemas.TokenScope as { enum: string[] }).enum;
      for (const requirement of operation.security ?? []) {
        for (const [scheme, roles] of Object.entries(requirement)) {
          if (["sessionCookie", "csrfHeader"].includes(scheme)) continue;
          expect(roles.length, scheme).toBeGreaterThan(0);
          for (const role of roles) expect(scopes).toContain(role);
          if (!ingest) expect(roles).toEqual(["admin"]);
        }
      }
    },
  );

  it("declares links from create to read, acknowledge and resolve, each to a real parameter", () => {
    const byId = new Map(operations.map(([name, operation]) => [operation.operationId, name]));
    const links = operations.flatMap(([, operation]) =>
      Object.values(operation.responses ?? {}).flatMap((response) =>
        Object.values(response.links ?? {}),
      ),
    );
    expect(links.length).toBeGreaterThan(20);
    for (const link of links) {
      const target = byId.get(link.operationId);
      expect(target, link.operationId).toBeDefined();
      const [, operation] = operations.find(([name]) => name === target) as [string, Operation];
      const names = parametersOf(target as string, operation).map((parameter) => parameter.name);
      for (const parameter of Object.keys(link.parameters ?? {})) {
        expect(names, `${link.operationId}.${parameter}`).toContain(parameter);
      }
    }
    const linked = new Set(links.map((link) => link.operationId));
    for (const id of ["getIncident", "acknowledgeIncident", "resolveIncident", "getService"]) {
      expect(linked).toContain(id);
    }
  });

  it("has one TokenCreate shape per token scope, chosen by scope", () => {
    const schemas = document.components.schemas;
    const tokenCreate = schemas.TokenCreate as {
      oneOf: Array<{ $ref: string }>;
      discriminator: { propertyName: string; mapping: Record<string, string> };
    };
    expect(tokenCreate.discriminator.propertyName).toBe("scope");
    const scopes = (schemas.TokenScope as { enum: string[] }).enum;
    expect(Object.keys(tokenCreate.discriminator.mapping).sort()).toEqual([...scopes].sort());
    for (const [scope, ref] of Object.entries(tokenCreate.discriminator.mapping)) {
      expect(tokenCreate.oneOf.map((branch) => branch.$ref)).toContain(ref);
      const branch = resolve<{ properties: { scope: { const: string } } }>({ $ref: ref });
      expect(branch.properties.scope.const).toBe(scope);
    }
  });

  it("answers the ingest flags as booleans, as the hosted product documents them", () => {
    const result = document.components.schemas.IngestResult.properties;
    for (const [group, flags] of [
      ["triggered", ["created", "duplicate"]],
      ["resolved", ["resolved", "duplicate"]],
    ] as const) {
      for (const flag of flags) {
        expect(result[group].properties[flag].type, `${group}.${flag}`).toBe("boolean");
      }
    }
  });
});
