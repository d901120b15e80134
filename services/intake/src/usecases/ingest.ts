import { createHash } from "node:crypto";
import {
  DEFAULT_DUPLICATE_WINDOW_SECONDS,
  decideForService,
  normalizeFrom,
  type Payload,
  readPayload,
  requestText,
  type ServiceDecision,
  type ServiceRules,
} from "@sqibs/domain";
import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import { toIncidentSummary, toRequest } from "../http/views.js";
import type { DeliveryClaim } from "../repositories/deliveries.js";
import type {
  AccountDoc,
  ServiceDoc,
  StoredIncidentDoc,
  TokenDoc,
} from "../repositories/documents.js";
import { ObjectId, storedPayload } from "../repositories/ids.js";
import { appendApiLog } from "./api-logs.js";

export interface IngestCall {
  token: TokenDoc;
  body: Uint8Array;
  contentType: string | undefined;
  from: string | undefined;
  idempotencyKey: string | undefined;
}

export type IncidentAction = "created" | "duplicate" | "resolved";
export type NothingReason = "no-filter-passed" | "maintenance" | "no-active-service";

/** The HTTP answer of an ingest call; a retried delivery gets the first one again. */
export interface IngestAnswer {
  status: number;
  body: Record<string, unknown>;
}

type Endpoint = "process" | "request";

/** An explicit Idempotency-Key is honoured for a day; a repeated body for the duplicate window. */
const IDEMPOTENCY_KEY_WINDOW_SECONDS = 24 * 3600;

/**
 * POST /v1/process: decide per service (pure), then persist each decision once per delivery.
 * The parsed payload lives only inside the synchronous decision step: a request waiting on
 * the database holds its raw body and its decisions, not the parsed JSON.
 */
export async function processIncidentCall(deps: AppDeps, call: IngestCall): Promise<IngestAnswer> {
  requireIndexes(deps);
  const account = await loadAccount(deps, call.token);
  const services = await servicesFor(deps, call.token);
  const now = deps.clock();
  const decisions = decideAll(call, account, services, now);
  return once(deps, call, "process", duplicateWindowSeconds(services), (deliveryId) =>
    persistDecisions(deps, call, account, decisions, now, deliveryId),
  );
}

/** POST /v1/request: global tokens only; title and description by the seed's rules. */
export async function createRequestCall(deps: AppDeps, call: IngestCall): Promise<IngestAnswer> {
  requireIndexes(deps);
  const account = await loadAccount(deps, call.token);
  const text = requestText({
    payload: readPayload(call.body, call.contentType),
    from: call.from,
    language: account.language,
  });
  return once(deps, call, "request", DEFAULT_DUPLICATE_WINDOW_SECONDS, async (deliveryId) => {
    const request = await deps.repositories.requests.create({
      accountId: account._id,
      tokenId: call.token._id,
      title: text.title,
      description: text.description,
      ...(text.workflowId !== undefined ? { workflowId: text.workflowId } : {}),
      ...sourceOf(call.from),
      payload: storedPayload(call.body, call.contentType),
      createdAt: deps.clock(),
      deliveryId,
    });
    return { status: 201, body: { id: request._id.toHexString(), request: toRequest(request) } };
  });
}

function decideAll(
  call: IngestCall,
  account: AccountDoc,
  services: ServiceDoc[],
  now: Date,
): ServiceDecision[] {
  const payload: Payload = readPayload(call.body, call.contentType);
  return services.map((service) =>
    decideForService({
      service: rulesOf(service),
      payload,
      from: call.from,
      language: account.language,
      now,
    }),
  );
}

/**
 * Runs a delivery at most once: a retry (same body from the same token to the same endpoint
 * within the window, or the same Idempotency-Key) is answered like the first delivery. The
 * writes carry the delivery's id, so a retry after a crash completes rather than repeats them.
 */
async function once(
  deps: AppDeps,
  call: IngestCall,
  endpoint: Endpoint,
  windowSeconds: number,
  run: (deliveryId: string) => Promise<IngestAnswer>,
): Promise<IngestAnswer> {
  const { deliveries } = deps.repositories;
  const key = deliveryKey(call, endpoint);
  const window = call.idempotencyKey ? IDEMPOTENCY_KEY_WINDOW_SECONDS : windowSeconds;
  const claim: DeliveryClaim = await deliveries.claim(key, Math.max(window, 1) * 1000, deps.clock);
  if (claim.role === "replay") {
    return { status: claim.status, body: { ...JSON.parse(claim.response), replayed: true } };
  }
  try {
    const answer = await run(claim.generation.toHexString());
    await deliveries.complete(claim, answer.status, JSON.stringify(answer.body));
    return answer;
  } catch (error) {
    await deliveries.abandon(key).catch(() => {});
    throw error;
  }
}

function deliveryKey(call: IngestCall, endpoint: Endpoint): string {
  const hash = createHash("sha256").update(`${call.token._id.toHexString()}\n${endpoint}\n`);
  if (call.idempotencyKey) hash.update(`key\n${call.idempotencyKey}`);
  else
    hash
      .update(`body\n${normalizeFrom(call.from) ?? ""}\n${call.contentType ?? ""}\n`)
      .update(call.body);
  return hash.digest("hex");
}

async function persistDecisions(
  deps: AppDeps,
  call: IngestCall,
  account: AccountDoc,
  decisions: ServiceDecision[],
  now: Date,
  deliveryId: string,
): Promise<IngestAnswer> {
  const callId = new ObjectId();
  const triggered = { created: 0, duplicate: 0 };
  const resolved = { resolved: 0, duplicate: 0 };
  const touched: Array<{ incident: StoredIncidentDoc; action: IncidentAction }> = [];
  const event = { at: now, actor: `token:${call.token._id.toHexString()}`, callId };

  for (const decision of decisions) {
    const serviceId =
      decision.kind === "trigger" || decision.kind === "resolve" ? toId(decision.serviceId) : null;
    if (decision.kind === "trigger" && serviceId) {
      const opened = await deps.repositories.incidents.openOrAppend(
        {
          accountId: account._id,
          serviceId,
          title: decision.title,
          description: decision.description,
          urgency: decision.urgency,
          status: "triggered",
          ...(decision.correlation !== undefined ? { correlationKey: decision.correlation } : {}),
          ...sourceOf(call.from),
          payload: storedPayload(call.body, call.contentType),
          createdAt: now,
          updatedAt: now,
          ...(decision.autoResolveAfterSeconds
            ? { autoResolveAfterSeconds: decision.autoResolveAfterSeconds }
            : {}),
          deliveryId: `${deliveryId}:${decision.serviceId}`,
        },
        { ...event, type: "triggered" },
      );
      triggered[opened.action] += 1;
      touched.push(opened);
    } else if (decision.kind === "resolve" && serviceId) {
      const incident =
        decision.correlation === undefined
          ? null
          : await deps.repositories.incidents.resolveOpen(serviceId, decision.correlation, {
              ...event,
              type: "resolved",
            });
      if (incident) {
        resolved.resolved += 1;
        touched.push({ incident, action: "resolved" });
      } else {
        resolved.duplicate += 1;
      }
    }
  }

  const status = statusOf(triggered, resolved);
  await logCall(deps, call, "/v1/process", callId, decisions, touched, status);
  return {
    status,
    body: {
      id: callId.toHexString(),
      triggered,
      resolved,
      incidents: touched.map(({ incident, action }) => toIncidentSummary(incident, action)),
      ...(status === 202 ? { reason: reasonOf(decisions) } : {}),
    },
  };
}

/**
 * The API call log: every call of a token with `debug` on, and every call that maintenance
 * suppressed (PRODUCT.md §7). A disabled service creates nothing and logs nothing.
 */
async function logCall(
  deps: AppDeps,
  call: IngestCall,
  endpoint: string,
  callId: ObjectId,
  decisions: ServiceDecision[],
  touched: Array<{ incident: StoredIncidentDoc }>,
  status: number,
): Promise<void> {
  const logged = decisions.filter(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  // Every service the call reached is disabled: nothing is logged, even for a debug token.
  if (decisions.length > 0 && logged.length === 0) return;
  const suppressed = logged.some((decision) => decision.kind === "suppressed");
  if (!call.token.debug && !suppressed) return;
  await appendApiLog(deps, {
    id: callId,
    accountId: call.token.accountId,
    tokenId: call.token._id,
    endpoint,
    from: normalizeFrom(call.from),
    contentType: call.contentType,
    bodySize: call.body.byteLength,
    decisions: logged.map((decision) => ({
      serviceId: decision.serviceId,
      kind: decision.kind,
      ...("reason" in decision ? { reason: decision.reason } : {}),
      ...incidentOf(decision.serviceId, touched),
    })),
    status,
  });
}

function incidentOf(serviceId: string, touched: Array<{ incident: StoredIncidentDoc }>) {
  const hit = touched.find(({ incident }) => incident.serviceId.toHexString() === serviceId);
  return hit ? { incidentId: hit.incident._id } : {};
}

/** Nothing is stored before the unique indexes exist (see Database.indexesReady). */
function requireIndexes(deps: AppDeps): void {
  if (deps.repositories.database.indexesReady) return;
  throw new AppError(
    "DATABASE_UNAVAILABLE",
    "The database is being prepared (its indexes are created at start-up); nothing was stored. Retry later.",
  );
}

async function loadAccount(deps: AppDeps, token: TokenDoc): Promise<AccountDoc> {
  const account = await deps.repositories.accounts.findById(token.accountId);
  if (!account) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  return account;
}

async function servicesFor(deps: AppDeps, token: TokenDoc): Promise<ServiceDoc[]> {
  if (token.scope === "service") {
    const service = token.serviceId
      ? await deps.repositories.services.findInAccount(token.accountId, token.serviceId)
      : null;
    return service ? [service] : [];
  }
  return deps.repositories.services.listByAccount(token.accountId);
}

/** The longest duplicate window among the services the call runs through. */
function duplicateWindowSeconds(services: ServiceDoc[]): number {
  const windows = services.map(
    (service) => service.filter?.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS,
  );
  return windows.length ? Math.max(...windows) : DEFAULT_DUPLICATE_WINDOW_SECONDS;
}

/** The service as the domain's decision rules see it (also used by the filter trial). */
export function rulesOf(service: ServiceDoc): ServiceRules {
  return {
    id: service._id.toHexString(),
    state: service.state,
    ...(service.filter ? { filter: service.filter } : {}),
    ...(service.titleKey ? { titleKey: service.titleKey } : {}),
    ...(service.descriptionKey ? { descriptionKey: service.descriptionKey } : {}),
    ...(service.maintenance ? { maintenance: service.maintenance } : {}),
  };
}

function toId(hex: string): ObjectId {
  return ObjectId.createFromHexString(hex);
}

function sourceOf(from: string | undefined): { source?: string } {
  const source = normalizeFrom(from);
  return source === undefined ? {} : { source };
}

function statusOf(
  triggered: { created: number; duplicate: number },
  resolved: { resolved: number; duplicate: number },
): 200 | 201 | 202 {
  if (triggered.created > 0) return 201;
  if (triggered.duplicate + resolved.resolved + resolved.duplicate > 0) return 200;
  return 202;
}

function reasonOf(decisions: ServiceDecision[]): NothingReason {
  if (decisions.some((decision) => decision.kind === "suppressed")) return "maintenance";
  const active = decisions.some(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  return active ? "no-filter-passed" : "no-active-service";
}
