import { betterStack } from "./templates/better-stack.js";
import { datadog } from "./templates/datadog.js";
import { genericJson } from "./templates/generic-json.js";
import { grafana } from "./templates/grafana.js";
import { plainText } from "./templates/plain-text.js";
import { prometheusAlertmanager } from "./templates/prometheus-alertmanager.js";
import { uptimeKuma } from "./templates/uptime-kuma.js";
import { zabbix } from "./templates/zabbix.js";
import { BASE_URL_PLACEHOLDER, type IntegrationTemplate } from "./types.js";

export { integrationsMarkdown } from "./markdown.js";
export { BASE_URL_PLACEHOLDER, type IntegrationTemplate } from "./types.js";

/**
 * Every built-in template, in the order people should see them. Deeply frozen: take a copy
 * (`structuredClone(template.filter)`) before changing a filter.
 */
export const INTEGRATION_TEMPLATES: readonly IntegrationTemplate[] = deepFreeze([
  prometheusAlertmanager,
  grafana,
  zabbix,
  datadog,
  uptimeKuma,
  betterStack,
  genericJson,
  plainText,
]);

const byName = new Map<string, IntegrationTemplate>(
  INTEGRATION_TEMPLATES.map((template) => [template.name, template]),
);

/** The template with this name (exact, case-sensitive slug), or undefined. */
export function findTemplate(name: string): IntegrationTemplate | undefined {
  return byName.get(name);
}

/** The template's guide with the service's real address instead of the placeholder. */
export function guideFor(template: IntegrationTemplate, baseUrl: string): string {
  return template.guide.replaceAll(BASE_URL_PLACEHOLDER, baseUrl.replace(/\/+$/, ""));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
