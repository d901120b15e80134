import type {
  FilterTestInput,
  ServiceCreate,
  ServiceFilterInput,
  ServiceUpdate,
  Condition as WireCondition,
  MaintenanceWindow as WireMaintenanceWindow,
} from "@sqibs/api-client";
import {
  type ApiFilter,
  type Condition,
  decideForService,
  type FilterViolation,
  inMaintenance,
  type MaintenanceWindow,
  readPayload,
  type ServiceDecision,
  validateFilter,
  validateMaintenanceLimits,
  validateMaintenanceOrder,
} from "@sqibs/domain";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Service } from "../repositories/index.js";
import type { ServiceChanges } from "../repositories/services.js";
import { createWithinCap } from "./account-caps.js";
import { type Caller, idOrNotFound, notFound, requiredText } from "./caller.js";
import { rulesOf } from "./rules.js";
import { teamOrDefault } from "./teams.js";
import { templateFilter } from "./templates.js";
import { deleteWebhooksScopedTo } from "./webhooks.js";

export type { Service };

export async function createService(
  deps: AppDeps,
  caller: Caller,
  input: ServiceCreate,
): Promise<Service> {
  const violations = [
    ...keyViolations(input.titleKey, "titleKey"),
    ...keyViolations(input.descriptionKey, "descriptionKey"),
  ];
  if (violations.length) throw invalid(violations);
  const name = requiredText(input.name, "name");
  // A copy: the templates are frozen, and stay what they are whatever the service becomes.
  const filter = input.template === undefined ? undefined : templateFilter(input.template);
  const team = await teamOrDefault(deps, caller, input.teamId);
  return createWithinCap(deps, caller, "services", () =>
    deps.repositories.services.create(
      {
        accountId: caller.account.id,
        teamId: team.id,
        name,
        state: input.state ?? "active",
        ...(input.titleKey !== undefined ? { titleKey: input.titleKey } : {}),
        ...(input.descriptionKey !== undefined ? { descriptionKey: input.descriptionKey } : {}),
        ...(filter ? { filter, template: input.template } : {}),
      },
      deps.clock(),
    ),
  );
}

export function listServices(deps: AppDeps, caller: Caller): Promise<Service[]> {
  return deps.repositories.services.listByAccount(caller.account.id);
}

export async function getService(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
): Promise<Service> {
  const id = idOrNotFound(serviceId, "service");
  const service = await deps.repositories.services.findInAccount(caller.account.id, id);
  if (!service) throw notFound("service", serviceId);
  return service;
}

/** Changes the fields given; `null` removes a key. */
export async function updateService(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
  input: ServiceUpdate,
): Promise<Service> {
  const id = idOrNotFound(serviceId, "service"); // a malformed id is a 404 before any 400
  const violations = [
    ...keyViolations(input.titleKey ?? undefined, "titleKey"),
    ...keyViolations(input.descriptionKey ?? undefined, "descriptionKey"),
  ];
  if (violations.length) throw invalid(violations);
  const set: ServiceChanges = {};
  const unset: string[] = [];
  if (input.name !== undefined) set.name = requiredText(input.name, "name");
  if (input.state !== undefined) set.state = input.state;
  if (input.teamId !== undefined) set.teamId = (await teamOrDefault(deps, caller, input.teamId)).id;
  for (const field of ["titleKey", "descriptionKey"] as const) {
    const value = input[field];
    if (value === null) unset.push(field);
    else if (value !== undefined) set[field] = value;
  }
  return updateOrNotFound(deps, caller, serviceId, id, { set, unset });
}

/**
 * Deletes the service, revokes its service tokens and deletes its service webhooks; its
 * incidents stay.
 */
export async function deleteService(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
): Promise<void> {
  const id = idOrNotFound(serviceId, "service");
  const accountId = caller.account.id;
  const deleted = await deps.repositories.services.delete(accountId, id);
  if (!deleted) throw notFound("service", serviceId);
  await deps.repositories.tokens.revokeScopedTo(accountId, { serviceId: id }, deps.clock());
  await deleteWebhooksScopedTo(deps, accountId, { serviceId: id });
}

/**
 * Replaces the service's filter set-up: its own title/description keys (the simple SQIBS
 * form) and the API filter (triggers, resolve, duplicate window). Every limit is checked by
 * the domain rules, whatever the schema already caught.
 */
export async function setServiceFilter(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
  input: ServiceFilterInput,
): Promise<Service> {
  const id = idOrNotFound(serviceId, "service"); // a malformed id is a 404 before any 400
  const filter = checkedFilterSetup(input);
  const set: ServiceChanges = {};
  const unset: string[] = [];
  for (const [field, value] of [
    ["titleKey", input.titleKey],
    ["descriptionKey", input.descriptionKey],
  ] as const) {
    if (value === undefined) unset.push(field);
    else set[field] = value;
  }
  if (filter) set.filter = filter;
  else unset.push("filter");
  return updateOrNotFound(deps, caller, serviceId, id, { set, unset });
}

/**
 * PUT /v1/services/{id}/maintenance: replaces the window (docs/product.md §7). Neither start nor
 * end: in maintenance now, until ended. No tag groups: every call. Past a limit: 400; `end`
 * not after `start` (which the schema cannot state): 422.
 */
export async function setServiceMaintenance(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
  input: WireMaintenanceWindow,
): Promise<Service> {
  const id = idOrNotFound(serviceId, "service");
  const window = maintenanceOf(input);
  const violations = validateMaintenanceLimits(window);
  if (violations.length) throw invalid(violations);
  const order = validateMaintenanceOrder(window);
  if (order.length) throw invalid(order, "UNPROCESSABLE");
  const updated = await deps.repositories.services.update(
    caller.account.id,
    id,
    { maintenance: window },
    [],
    deps.clock(),
  );
  if (!updated) throw notFound("service", serviceId);
  return updated;
}

/**
 * DELETE /v1/services/{id}/maintenance: removes the window. A service stored with the state
 * "maintenance" (the domain knows it; the API no longer sets it) becomes active.
 */
export async function endServiceMaintenance(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
): Promise<void> {
  const service = await getService(deps, caller, serviceId);
  const set: ServiceChanges = service.state === "maintenance" ? { state: "active" } : {};
  const updated = await deps.repositories.services.update(
    caller.account.id,
    service.id,
    set,
    ["maintenance"],
    deps.clock(),
  );
  if (!updated) throw notFound("service", serviceId);
}

/** What POST /v1/process would decide for the service now, and whether maintenance applies. */
export interface FilterTrial {
  decision: ServiceDecision;
  maintenance: boolean;
}

/**
 * POST /v1/services/{id}/filter/test: the ingest rules (`readPayload`, `decideForService`)
 * for one service and one payload, with the saved filter or one given inline; writes nothing.
 */
export async function testServiceFilter(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
  input: FilterTestInput,
): Promise<FilterTrial> {
  const inline =
    input.filter === undefined ? undefined : checkedFilterSetup(input.filter, "filter.");
  const service = await getService(deps, caller, serviceId);
  const saved = rulesOf(service);
  const rules =
    input.filter === undefined
      ? saved
      : {
          id: saved.id,
          state: saved.state,
          ...(saved.maintenance ? { maintenance: saved.maintenance } : {}),
          ...(inline ? { filter: inline } : {}),
          ...optional("titleKey", input.filter.titleKey),
          ...optional("descriptionKey", input.filter.descriptionKey),
        };
  const now = deps.clock();
  // The payload is already text: only the media type matters (a charset would mis-decode it).
  const mediaType = input.contentType?.split(";")[0]?.trim();
  const payload = readPayload(new TextEncoder().encode(input.payload), mediaType || undefined);
  const decision = decideForService({
    service: rules,
    payload,
    from: input.from,
    language: caller.account.language,
    now,
  });
  const { state, maintenance } = rules;
  return {
    decision,
    maintenance: inMaintenance({ state, maintenance, now, payloadText: payload.text }),
  };
}

/** The wire window as the domain reads it (an unparsable time is a 400 naming the field). */
function maintenanceOf(input: WireMaintenanceWindow): MaintenanceWindow {
  const violations: FilterViolation[] = [];
  const time = (field: "start" | "end"): Date | undefined => {
    const text = input[field];
    if (text === undefined) return undefined;
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) violations.push({ field, message: "not a date-time" });
    return date;
  };
  const start = time("start");
  const end = time("end");
  if (violations.length) throw invalid(violations);
  const tags = input.tags?.map((group) => group.map((tag) => tag.trim()));
  return {
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    // No groups means every call, as no tags at all does: store none.
    ...(tags?.length ? { tags } : {}),
  };
}

/**
 * The filter set-up of a PUT /filter body, checked against every limit (whatever the schema
 * already caught); the fields a 400 names carry `prefix`. Undefined for the simple form.
 */
function checkedFilterSetup(input: ServiceFilterInput, prefix = ""): ApiFilter | undefined {
  const filter = apiFilterOf(input);
  const violations = [
    ...keyViolations(input.titleKey, "titleKey"),
    ...keyViolations(input.descriptionKey, "descriptionKey"),
    ...(filter ? validateFilter(filter) : []),
  ].map((violation) => ({ ...violation, field: `${prefix}${violation.field}` }));
  if (violations.length) throw invalid(violations);
  return filter;
}

/** The API filter in the body, copied field by field; undefined for the simple form. */
function apiFilterOf(input: ServiceFilterInput): ApiFilter | undefined {
  const { triggers, resolve, duplicateWindowSeconds } = input;
  if (triggers === undefined && resolve === undefined && duplicateWindowSeconds === undefined) {
    return undefined;
  }
  return {
    triggers: (triggers ?? []).map((trigger) => ({
      urgency: trigger.urgency,
      conditions: trigger.conditions.map(conditionOf),
      ...optional("titleKey", trigger.titleKey),
      ...optional("descriptionKey", trigger.descriptionKey),
      ...optional("correlationKey", trigger.correlationKey),
      ...optional("autoResolveAfterSeconds", trigger.autoResolveAfterSeconds),
    })),
    ...(resolve
      ? {
          resolve: {
            condition: conditionOf(resolve.condition),
            ...optional("correlationKey", resolve.correlationKey),
          },
        }
      : {}),
    ...optional("duplicateWindowSeconds", duplicateWindowSeconds),
  };
}

function conditionOf(condition: WireCondition): Condition {
  return { key: condition.key, contains: [...condition.contains] };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function keyViolations(key: string | undefined, field: string): FilterViolation[] {
  return key !== undefined && key.trim() === "" ? [{ field, message: "must not be blank" }] : [];
}

function invalid(
  violations: FilterViolation[],
  code: "INVALID_REQUEST" | "UNPROCESSABLE" = "INVALID_REQUEST",
): AppError {
  const summary = violations.map((v) => `${v.field}: ${v.message}`).join("; ");
  return new AppError(code, `${summary}.`, { errors: violations });
}

/**
 * Applies a change to a service of the caller's account (`id`, parsed from `serviceId`);
 * another account's id is a 404.
 */
async function updateOrNotFound(
  deps: AppDeps,
  caller: Caller,
  serviceId: string,
  id: string,
  change: { set: ServiceChanges; unset: string[] },
): Promise<Service> {
  const updated = await deps.repositories.services.update(
    caller.account.id,
    id,
    change.set,
    change.unset,
    deps.clock(),
  );
  if (!updated) throw notFound("service", serviceId);
  return updated;
}
