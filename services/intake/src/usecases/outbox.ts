import { createHash } from "node:crypto";
import type {
  IncidentChangeData,
  IncidentEventData,
  IncidentResolvedData,
  RequestEventData,
  ServiceRef,
  TeamRef,
} from "@sqibs/api-client";
import {
  type ChatSubject,
  type ResolvedBy,
  redactWebhookUrl,
  renderBody,
  type SubscribableEventType,
  subscribes,
  type WebhookEvent,
} from "@sqibs/webhooks";
import type { AppDeps } from "../container.js";
import type { AddedEvent, IncidentHead, TransitionHook } from "../repositories/incidents.js";
import {
  defaultTeamIdOf,
  deliveryIdOf,
  type IncidentEvent,
  type JournalEntry,
  type NewDelivery,
  type ServiceRequest,
  type Webhook,
} from "../repositories/index.js";
import { toIncidentEvent, toIncidentListItem, toRequest } from "./listings.js";

// The outbox (docs/product.md §11): an event is stored, one delivery per subscribed webhook,
// before the call that caused it is answered, and keyed by what caused it, so a retried
// ingest call or a transition rolled forward after a crash stores nothing twice. The
// dispatcher (jobs/dispatcher.ts) sends what is stored. An account without a subscribed
// webhook pays one cached read.

export const AUTO_RESOLVE_ACTOR = "system:auto-resolve";

/** Which webhooks an event concerns (scope, type, workflowId), before anything is built. */
interface EventFacts {
  accountId: string;
  type: SubscribableEventType;
  serviceId?: string;
  workflowId?: string;
}

/** The event itself, built only when a webhook subscribes to it. */
interface EventContent {
  id: string;
  occurredAt: Date;
  data: unknown;
  chat: ChatSubject;
}

/**
 * Where an opening's deliveries go: stored now (no journal entry), handed to the dispatcher
 * (the call's journal entry was stored with its claims: usecases/journal.ts), or stored for
 * the webhooks a journal entry names (its recovery).
 */
export type OpeningRoute =
  | { kind: "store" }
  | { kind: "hand-over"; sequence: number; entry: JournalEntry }
  | { kind: "restore"; entry: JournalEntry };

/** incident.triggered: a call opened the incident (sequence 1). Returns its deliveries' ids. */
export function announceOpened(
  deps: AppDeps,
  incident: IncidentHead,
  route: OpeningRoute = { kind: "store" },
): Promise<string[]> {
  return announceIncident(deps, "incident.triggered", incident, route, async (refs) => {
    const data: IncidentEventData = {
      incident: toIncidentListItem({ ...incident, eventCount: 1, lastEventAt: incident.createdAt }),
      ...refs,
      sequence: 1,
    };
    return { id: openedEventId(incident.id), occurredAt: incident.createdAt, data, eventCount: 1 };
  });
}

/** incident.event_added: a duplicate trigger joined the open incident. */
export function announceAdded(
  deps: AppDeps,
  incident: IncidentHead,
  added: AddedEvent,
  event: IncidentEvent,
): Promise<string[]> {
  return announceIncident(deps, "incident.event_added", incident, STORE, async (refs) => {
    const { count, lastAt } = await deps.repositories.incidents.eventCountOf(incident);
    const data: IncidentChangeData = {
      incident: toIncidentListItem({ ...incident, eventCount: count, lastEventAt: lastAt }),
      ...refs,
      sequence: incident.version + 1,
      event: toIncidentEvent({ ...event, at: added.at, type: "duplicate" }),
    };
    const digest = createHash("sha256").update(added.key).digest("hex").slice(0, 16);
    return { id: `evt_${incident.id}_e${digest}`, occurredAt: added.at, data, eventCount: count };
  });
}

/**
 * The hook every lifecycle transition calls once it is claimed (incidents repository):
 * incident.acknowledged, .unacknowledged or .resolved, with who resolved it.
 */
export function announceTransitions(deps: AppDeps): TransitionHook {
  return async ({ incident, event }) => {
    const type = TRANSITION_EVENTS[event.type];
    if (!type) return;
    await announceIncident(deps, type, incident, STORE, async (refs) => {
      const { count, lastAt } = await deps.repositories.incidents.eventCountOf(incident);
      const change: IncidentChangeData = {
        incident: toIncidentListItem({ ...incident, eventCount: count, lastEventAt: lastAt }),
        ...refs,
        sequence: incident.version + 1,
        event: toIncidentEvent(event),
      };
      const resolvedBy = type === "incident.resolved" ? resolvedByOf(event) : undefined;
      const data: IncidentChangeData | IncidentResolvedData = resolvedBy
        ? { ...change, by: resolvedBy }
        : change;
      return {
        id: `evt_${incident.id}_${incident.version + 1}`,
        occurredAt: event.at,
        data,
        eventCount: count,
        ...(resolvedBy ? { resolvedBy } : {}),
      };
    });
  };
}

/** request.created: for global webhooks (with a workflowId, only requests carrying it). */
export function announceRequest(deps: AppDeps, request: ServiceRequest): Promise<string[]> {
  return announce(
    deps,
    {
      accountId: request.accountId,
      type: "request.created",
      ...(request.workflowId !== undefined ? { workflowId: request.workflowId } : {}),
    },
    STORE,
    async () => {
      const data: RequestEventData = { request: toRequest(request) };
      return {
        id: `evt_${request.id}`,
        occurredAt: request.createdAt,
        data,
        chat: {
          kind: "request",
          title: request.title,
          ...(request.workflowId !== undefined ? { workflowId: request.workflowId } : {}),
          link: `${publicBaseUrl(deps)}/console/requests/${request.id}`,
        },
      };
    },
  );
}

const STORE: OpeningRoute = { kind: "store" };

const TRANSITION_EVENTS: Partial<Record<IncidentEvent["type"], SubscribableEventType>> = {
  acknowledged: "incident.acknowledged",
  unacknowledged: "incident.unacknowledged",
  resolved: "incident.resolved",
};

/** A sender's resolve filter (an ingest call), a person (the API), or the service itself. */
function resolvedByOf(event: IncidentEvent): ResolvedBy {
  if (event.actor === AUTO_RESOLVE_ACTOR) return "auto-resolve";
  return event.callId ? "sender" : "api";
}

interface IncidentRefs {
  service: ServiceRef;
  team: TeamRef;
}

/** An incident event: with its service and team, and a Slack message about it. */
function announceIncident(
  deps: AppDeps,
  type: SubscribableEventType,
  incident: IncidentHead,
  route: OpeningRoute,
  build: (refs: IncidentRefs) => Promise<{
    id: string;
    occurredAt: Date;
    data: unknown;
    eventCount: number;
    resolvedBy?: ResolvedBy;
  }>,
): Promise<string[]> {
  const { accountId, serviceId } = incident;
  return announce(deps, { accountId, type, serviceId }, route, async () => {
    const refs = await refsOf(deps, accountId, serviceId);
    const { eventCount, resolvedBy, ...content } = await build(refs);
    return {
      ...content,
      chat: {
        kind: "incident",
        number: incident.number,
        title: incident.title,
        status: incident.status,
        urgency: incident.urgency,
        serviceName: refs.service.name,
        teamName: refs.team.name,
        eventCount,
        ...(resolvedBy ? { resolvedBy } : {}),
        link: `${publicBaseUrl(deps)}/console/incidents/${incident.id}`,
      },
    };
  });
}

/**
 * Stores the event for every enabled webhook of the account that subscribes to it (the
 * account's webhooks are a cached read), then wakes the dispatcher; or, for a journaled
 * opening, for the webhooks its entry names: handed to the dispatcher, which stores them, or
 * stored now (a recovery). Returns the ids of the deliveries.
 */
async function announce(
  deps: AppDeps,
  facts: EventFacts,
  route: OpeningRoute,
  content: () => Promise<EventContent>,
): Promise<string[]> {
  const { subscribed, probe } = await subscribersOf(deps, facts);
  const webhooks = route.kind === "store" ? subscribed : await webhooksNamed(deps, route.entry);
  if (webhooks.length === 0) return [];
  const { chat, ...built } = await content();
  const event: WebhookEvent = { ...probe, ...built };
  deps.metrics.webhookEvents.inc({ type: facts.type }, webhooks.length);
  const deliveries = newDeliveries(webhooks, event, chat, { queued: true });
  if (route.kind === "hand-over") {
    deps.webhooks.journaled.notify({ sequence: route.sequence, entry: route.entry, deliveries });
    return deliveries.map(({ key, at }) => deliveryIdOf(at, key));
  }
  const stored = await deps.repositories.webhookDeliveries.store(deliveries, {
    queued: true,
    // Its dead instance may have sent round 1 from memory, without a claim: a round of its own.
    ...(route.kind === "restore" ? { round: 2 } : {}),
  });
  deps.webhooks.queued.notify(stored.queued);
  return stored.deliveries.map((delivery) => delivery.id);
}

/** The account's webhooks a journal entry names that still exist (a cached read). */
async function webhooksNamed(deps: AppDeps, entry: JournalEntry): Promise<Webhook[]> {
  const webhooks = await deps.repositories.webhooks.listByAccount(entry.accountId);
  return webhooks.filter((webhook) => entry.webhookIds.includes(webhook.id));
}

/**
 * The journal entry of an incident about to be opened, for the webhooks subscribed to its
 * opening (cached reads), without its id; undefined when none is.
 */
export async function openingSubscribers(
  deps: AppDeps,
  opening: { accountId: string; serviceId: string; incidentId: string },
): Promise<Omit<JournalEntry, "id"> | undefined> {
  const { accountId, serviceId, incidentId } = opening;
  const facts = { accountId, serviceId, type: "incident.triggered" as const };
  const { subscribed } = await subscribersOf(deps, facts);
  if (subscribed.length === 0) return undefined;
  return { accountId, incidentId, webhookIds: subscribed.map((webhook) => webhook.id) };
}

/**
 * The ids of the deliveries that announceOpened stores for an incident about to be opened
 * (one per webhook subscribed to the opening; cached reads), as known before it is stored.
 */
export async function openingDeliveryIds(
  deps: AppDeps,
  opening: { accountId: string; serviceId: string; incidentId: string; at: Date },
): Promise<string[]> {
  const { accountId, serviceId, incidentId, at } = opening;
  const facts = { accountId, serviceId, type: "incident.triggered" as const };
  const { subscribed } = await subscribersOf(deps, facts);
  const eventId = openedEventId(incidentId);
  return subscribed.map((webhook) => deliveryIdOf(at, deliveryKeyOf(eventId, webhook.id)));
}

/** The opening's event: the incident's first (sequence 1). */
function openedEventId(incidentId: string): string {
  return `evt_${incidentId}_1`;
}

/** What names a delivery: the event, and the webhook it goes to. */
function deliveryKeyOf(eventId: string, webhookId: string): string {
  return `${eventId}:${webhookId}`;
}

/** The account's enabled webhooks that subscribe to the event (cached reads). */
async function subscribersOf(deps: AppDeps, facts: EventFacts) {
  const webhooks = await deps.repositories.webhooks.listByAccount(facts.accountId);
  const teamId =
    facts.serviceId && webhooks.length > 0
      ? await teamIdOf(deps, facts.accountId, facts.serviceId)
      : undefined;
  const probe = {
    type: facts.type,
    id: "",
    occurredAt: deps.clock(),
    data: undefined,
    ...(facts.serviceId !== undefined ? { serviceId: facts.serviceId } : {}),
    ...(teamId !== undefined ? { teamId } : {}),
    ...(facts.workflowId !== undefined ? { workflowId: facts.workflowId } : {}),
  };
  const subscribed = webhooks.filter((webhook) => subscribes(subscriptionOf(webhook), probe));
  return { subscribed, probe };
}

/** Stores the event's delivery to each webhook (queued for the dispatcher, or not: a test). */
export function storeDeliveries(
  deps: AppDeps,
  webhooks: Webhook[],
  event: WebhookEvent,
  chat: ChatSubject,
  options: { queued: boolean },
) {
  return deps.repositories.webhookDeliveries.store(newDeliveries(webhooks, event, chat, options), {
    queued: options.queued,
  });
}

/** The event's delivery to each webhook, rendered. */
function newDeliveries(
  webhooks: Webhook[],
  event: WebhookEvent,
  chat: ChatSubject,
  options: { queued: boolean },
): NewDelivery[] {
  return webhooks.map((webhook) => ({
    accountId: webhook.accountId,
    webhookId: webhook.id,
    eventId: event.id,
    eventType: event.type,
    url: redactWebhookUrl(webhook.url),
    body: renderBody(webhook.format, event, chat),
    oneShot: !options.queued,
    key: deliveryKeyOf(event.id, webhook.id),
    at: event.occurredAt,
  }));
}

export function subscriptionOf(webhook: Webhook) {
  const scope =
    webhook.scope === "team" && webhook.teamId
      ? { kind: "team" as const, teamId: webhook.teamId }
      : webhook.scope === "service" && webhook.serviceId
        ? { kind: "service" as const, serviceId: webhook.serviceId }
        : { kind: "global" as const };
  return {
    scope,
    events: webhook.events,
    ...(webhook.workflowId !== undefined ? { workflowId: webhook.workflowId } : {}),
    enabled: webhook.enabled,
  };
}

async function teamIdOf(deps: AppDeps, accountId: string, serviceId: string): Promise<string> {
  const services = await deps.repositories.services.listByAccount(accountId);
  return services.find((service) => service.id === serviceId)?.teamId ?? defaultTeamIdOf(accountId);
}

/** The incident's service and team by name (a deleted one keeps its id, named as deleted). */
async function refsOf(deps: AppDeps, accountId: string, serviceId: string): Promise<IncidentRefs> {
  const [services, teams] = await Promise.all([
    deps.repositories.services.listByAccount(accountId),
    deps.repositories.teams.listByAccount(accountId),
  ]);
  const service = services.find((candidate) => candidate.id === serviceId);
  const teamId = service?.teamId ?? defaultTeamIdOf(accountId);
  const team = teams.find((candidate) => candidate.id === teamId);
  return {
    service: { id: serviceId, name: service?.name ?? "(deleted service)" },
    team: { id: teamId, name: team?.name ?? "(deleted team)" },
  };
}

/** Where links in Slack messages point: PUBLIC_BASE_URL, else the address the service listens on. */
export function publicBaseUrl(deps: Pick<AppDeps, "config">): string {
  const { PUBLIC_BASE_URL, HOST, PORT } = deps.config;
  return PUBLIC_BASE_URL ?? `http://${HOST.includes(":") ? `[${HOST}]` : HOST}:${PORT}`;
}
