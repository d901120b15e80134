import type { ApiFilter } from "@sqibs/domain";
import { findTemplate, INTEGRATION_TEMPLATES, type IntegrationTemplate } from "@sqibs/templates";
import { AppError } from "../errors.js";

/** Every built-in integration template, in display order (frozen: never change them). */
export function listIntegrationTemplates(): readonly IntegrationTemplate[] {
  return INTEGRATION_TEMPLATES;
}

/** A copy of the named template's filter, to store on a service; an unknown name is a 400. */
export function templateFilter(name: string): ApiFilter {
  const template = findTemplate(name);
  if (!template) {
    const known = INTEGRATION_TEMPLATES.map((item) => item.name).join(", ");
    throw new AppError(
      "INVALID_REQUEST",
      `template: no integration template "${name}"; the templates are ${known}.`,
      { errors: [{ field: "template", message: `not one of ${known}` }] },
    );
  }
  return structuredClone(template.filter);
}
