/**
 * A built-in integration: the API filter that reads one tool's webhooks, and how to set the
 * tool up. The type is the API's (`IntegrationTemplate` in openapi/, generated into
 * @sqibs/api-client), so a template is exactly what `GET /v1/integration-templates` serves.
 * The guide writes the service's address as BASE_URL_PLACEHOLDER; `guideFor` puts a real one in.
 */
export type { IntegrationTemplate } from "@sqibs/api-client";

/** The service's address as the guides write it. */
export const BASE_URL_PLACEHOLDER = "https://sqibs.example.com";

/** A markdown code fence (template literals would need every backtick escaped). */
export const FENCE = "```";
