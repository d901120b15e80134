import type { ServiceRules } from "@sqibs/domain";
import type { Service } from "../repositories/index.js";

/** The service as the domain's decision rules see it (ingest, and the filter trial). */
export function rulesOf(service: Service): ServiceRules {
  return {
    id: service.id,
    state: service.state,
    ...(service.filter ? { filter: service.filter } : {}),
    ...(service.titleKey ? { titleKey: service.titleKey } : {}),
    ...(service.descriptionKey ? { descriptionKey: service.descriptionKey } : {}),
    ...(service.maintenance ? { maintenance: service.maintenance } : {}),
  };
}
