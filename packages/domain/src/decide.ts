import {
  type ApiFilter,
  correlationValue,
  findTrigger,
  resolvePasses,
  type TriggerFilter,
  type Urgency,
} from "./filter.js";
import { inMaintenance, type MaintenanceWindow, type ServiceState } from "./maintenance.js";
import type { Payload } from "./payload.js";
import { incidentText } from "./titles.js";

export interface ServiceRules {
  id: string;
  state: ServiceState;
  filter?: ApiFilter;
  /** Legacy title/description keys, used when the passing trigger has none. */
  titleKey?: string;
  descriptionKey?: string;
  maintenance?: MaintenanceWindow;
}

export type ServiceDecision =
  | {
      kind: "trigger";
      serviceId: string;
      triggerIndex: number;
      urgency: Urgency;
      title: string;
      description: string;
      correlation?: string;
      autoResolveAfterSeconds?: number;
    }
  | { kind: "resolve"; serviceId: string; correlation?: string }
  | { kind: "suppressed"; serviceId: string; reason: "maintenance" }
  | { kind: "skipped"; serviceId: string; reason: "disabled" | "no-filter-passed" };

export type TriggerDecision = Extract<ServiceDecision, { kind: "trigger" }>;

export interface DecisionInput {
  service: ServiceRules;
  payload: Payload;
  from?: string | undefined;
  language: string;
  now: Date;
}

/** Disabled → skipped; resolve passes (even in maintenance) → resolve; trigger → trigger or suppressed. */
export function decideForService(input: DecisionInput): ServiceDecision {
  const { service, payload } = input;
  const serviceId = service.id;
  if (service.state === "disabled") return { kind: "skipped", serviceId, reason: "disabled" };
  if (resolvePasses(service.filter, payload)) {
    const correlation = correlationValue(payload, service.filter?.resolve?.correlationKey);
    return correlation === undefined
      ? { kind: "resolve", serviceId }
      : { kind: "resolve", serviceId, correlation };
  }
  const found = findTrigger(service.filter, payload);
  if (found === undefined) return { kind: "skipped", serviceId, reason: "no-filter-passed" };
  if (isSuppressed(service, payload, input.now)) {
    return { kind: "suppressed", serviceId, reason: "maintenance" };
  }
  return triggerDecision(input, found.index, found.trigger);
}

function isSuppressed(service: ServiceRules, payload: Payload, now: Date): boolean {
  const { state, maintenance } = service;
  return inMaintenance({ state, maintenance, now, payloadText: payload.text });
}

function triggerDecision(
  input: DecisionInput,
  triggerIndex: number,
  trigger: TriggerFilter,
): TriggerDecision {
  const { service, payload } = input;
  const { title, description } = incidentText({
    payload,
    from: input.from,
    language: input.language,
    titleKey: presentKey(trigger.titleKey) ?? service.titleKey,
    descriptionKey: presentKey(trigger.descriptionKey) ?? service.descriptionKey,
  });
  const decision: TriggerDecision = {
    kind: "trigger",
    serviceId: service.id,
    triggerIndex,
    urgency: trigger.urgency,
    title,
    description,
  };
  const correlation = correlationValue(payload, trigger.correlationKey);
  if (correlation !== undefined) decision.correlation = correlation;
  if (trigger.autoResolveAfterSeconds !== undefined) {
    decision.autoResolveAfterSeconds = trigger.autoResolveAfterSeconds;
  }
  return decision;
}

/** A blank key counts as none, so the service's legacy key applies. */
function presentKey(key: string | undefined): string | undefined {
  return key === undefined || key.trim() === "" ? undefined : key;
}
