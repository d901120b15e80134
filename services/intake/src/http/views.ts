import type { IncidentDoc, RequestDoc } from "../repositories/documents.js";
import type { IncidentAction } from "../usecases/ingest.js";

/** Documents as the API shows them (the OpenAPI schemas). */
export function toIncidentSummary(incident: IncidentDoc, action: IncidentAction) {
  return {
    id: incident._id.toHexString(),
    number: incident.number,
    serviceId: incident.serviceId.toHexString(),
    title: incident.title,
    status: incident.status,
    urgency: incident.urgency,
    ...(incident.correlationKey !== undefined ? { correlationKey: incident.correlationKey } : {}),
    action,
  };
}

export function toRequest(request: RequestDoc) {
  return {
    id: request._id.toHexString(),
    title: request.title,
    description: request.description,
    ...(request.workflowId !== undefined ? { workflowId: request.workflowId } : {}),
    ...(request.source !== undefined ? { source: request.source } : {}),
    createdAt: request.createdAt.toISOString(),
  };
}
