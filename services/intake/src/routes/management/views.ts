import type {
  FilterTestResult,
  IntegrationTemplate as IntegrationTemplateView,
} from "@sqibs/api-client";
import type { IntegrationTemplate } from "@sqibs/templates";
import type { FilterTrial } from "../../usecases/services.js";

// Views of the operations added with maintenance, the filter trial and the templates; the
// other views are in http/views.ts. Typed by the generated client, like those.

/** A filter trial as the API shows it; triggerIndex only for a configured trigger (not the default rules). */
export function toFilterTestResult({ decision, maintenance }: FilterTrial): FilterTestResult {
  switch (decision.kind) {
    case "trigger":
      return {
        decision: "trigger",
        ...(decision.triggerIndex >= 0 ? { triggerIndex: decision.triggerIndex } : {}),
        urgency: decision.urgency,
        title: decision.title,
        description: decision.description,
        ...(decision.correlation !== undefined ? { correlationKey: decision.correlation } : {}),
        ...(decision.autoResolveAfterSeconds !== undefined
          ? { autoResolveAfterSeconds: decision.autoResolveAfterSeconds }
          : {}),
        maintenance,
      };
    case "resolve":
      return {
        decision: "resolve",
        ...(decision.correlation !== undefined ? { correlationKey: decision.correlation } : {}),
        maintenance,
      };
    default:
      return { decision: decision.kind, reason: decision.reason, maintenance };
  }
}

/** A template with its guide as written (the address is the placeholder `https://sqibs.example.com`). */
export function toIntegrationTemplate(template: IntegrationTemplate): IntegrationTemplateView {
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    from: template.from,
    filter: template.filter,
    guide: template.guide,
  };
}
