import type {
  IncidentEvent as IncidentEventView,
  IncidentListItem,
  Request as RequestView,
} from "@sqibs/api-client";
import type {
  IncidentEvent,
  IncidentListing,
  ServiceRequestListing,
} from "../repositories/index.js";

// Incidents, their events and requests as lists show them: the management API
// (http/views.ts) and the outgoing webhooks' events (outbox.ts) carry the same shapes, typed
// by the generated client.

const iso = (date: Date): string => date.toISOString();

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function toIncidentListItem(incident: IncidentListing): IncidentListItem {
  return {
    id: incident.id,
    number: incident.number,
    serviceId: incident.serviceId,
    title: incident.title,
    urgency: incident.urgency,
    status: incident.status,
    ...optional("correlationKey", incident.correlationKey),
    ...optional("source", incident.source),
    eventCount: incident.eventCount,
    createdAt: iso(incident.createdAt),
    updatedAt: iso(incident.updatedAt),
    lastEventAt: iso(incident.lastEventAt),
    ...optional("acknowledgedAt", incident.acknowledgedAt && iso(incident.acknowledgedAt)),
    ...optional("resolvedAt", incident.resolvedAt && iso(incident.resolvedAt)),
  };
}

export function toIncidentEvent(event: IncidentEvent): IncidentEventView {
  return {
    at: iso(event.at),
    type: event.type,
    actor: event.actor,
    ...optional("comment", event.comment),
  };
}

export function toRequest(
  request: Pick<
    ServiceRequestListing,
    "id" | "title" | "description" | "workflowId" | "source" | "createdAt"
  >,
): RequestView {
  return {
    id: request.id,
    title: request.title,
    description: request.description,
    ...optional("workflowId", request.workflowId),
    ...optional("source", request.source),
    createdAt: iso(request.createdAt),
  };
}
