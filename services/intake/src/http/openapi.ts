import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { RequestHandler } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import type { OpenAPIV3 } from "express-openapi-validator/dist/framework/types.js";

const bundlePath = createRequire(import.meta.url).resolve("@sqibs/openapi/openapi.json");

/**
 * The bundled OpenAPI document, read anew for each caller (each app gets its own copy). Its
 * text is not kept: half a MiB the process would hold for good, read once per app.
 */
export function loadApiDocument(): OpenAPIV3.DocumentV3_1 {
  return JSON.parse(readFileSync(bundlePath, "utf8")) as OpenAPIV3.DocumentV3_1;
}

/**
 * Validates every request against the document, and every response when asked (tests).
 * Parameters are read as their schemas' types (express-openapi-validator always coerces
 * them); JSON bodies are not coerced: `null` is not 0 and `false` is not "false".
 */
export function openApiValidator(
  document: OpenAPIV3.DocumentV3_1,
  validateResponses: boolean,
): RequestHandler[] {
  return OpenApiValidator.middleware({
    apiSpec: document,
    validateApiSpec: true,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false },
    validateResponses: validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false,
    ignoreUndocumented: false,
  }) as RequestHandler[];
}
