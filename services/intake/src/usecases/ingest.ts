import { createHash } from "node:crypto";
import {
  DEFAULT_DUPLICATE_WINDOW_SECONDS,
  decideForService,
  readPayload,
  requestText,
  type ServiceDecision,
  type TriggerDecision,
} from "@sqibs/domain";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { IncidentHead } from "../repositories/incidents.js";
import {
  newEntityId,
  type Service,
  type ServiceRequest,
  type StoredPayload,
  type Token,
} from "../repositories/index.js";
import { appendApiLog } from "./api-logs.js";
import type { Caller } from "./caller.js";
import { announceAdded, announceOpened, announceRequest, announceTransitions } from "./outbox.js";
import { rulesOf } from "./rules.js";
import { servicesOfTeam } from "./teams.js";

export interface IngestCall {
  caller: Caller;
  body: Uint8Array;
  contentType: string | undefined;
  /** The `from` parameter: trimmed, undefined when blank (normalized once, by the route). */
  source: string | undefined;
  idempotencyKey: string | undefined;
}

export type Endpoint = "process" | "request";
export type IncidentAction = "created" | "duplicate" | "resolved";
export type NothingReason = "no-filter-passed" | "maintenance" | "no-active-service";

/** An incident a call opened, added an event to, or resolved. */
export interface TouchedIncident
  extends Pick<
    IncidentHead,
    "id" | "number" | "serviceId" | "title" | "status" | "urgency" | "correlationKey"
  > {
  action: IncidentAction;
}

/** What POST /v1/process did: stored as it is for a retried delivery (in JSON). */
export interface ProcessAnswer {
  /** The call's id (in the API call log too). */
  id: string;
  triggered: { created: number; duplicate: number };
  resolved: { resolved: number; duplicate: number };
  incidents: TouchedIncident[];
  /** Why nothing was opened or resolved (202). */
  reason?: NothingReason;
}

export type RequestSummary = Pick<
  ServiceRequest,
  "id" | "title" | "description" | "workflowId" | "source" | "createdAt"
>;

/** What POST /v1/request did: stored as it is for a retried delivery (in JSON). */
export interface RequestAnswer {
  id: string;
  request: RequestSummary;
}

/** The outcome of an ingest call; a retried delivery gets the first delivery's again. */
export interface IngestResult<A> {
  status: number;
  answer: A;
  /** A retried delivery, answered from what its first delivery stored. */
  replayed: boolean;
}

/** How an answer is stored for replays, and read back. */
interface AnswerCodec<A> {
  encode(answer: A): string;
  decode(stored: string): A;
}

const PROCESS_ANSWERS: AnswerCodec<ProcessAnswer> = {
  encode: (answer) => JSON.stringify(answer),
  decode: (stored) => JSON.parse(stored) as ProcessAnswer,
};

const REQUEST_ANSWERS: AnswerCodec<RequestAnswer> = {
  encode: (answer) => JSON.stringify(answer),
  decode: (stored) => {
    const answer = JSON.parse(stored) as RequestAnswer & { request: { createdAt: string } };
    return {
      ...answer,
      request: { ...answer.request, createdAt: new Date(answer.request.createdAt) },
    };
  },
};

/** An explicit Idempotency-Key is honoured for a day; a repeated body for the duplicate window. */
const IDEMPOTENCY_KEY_WINDOW_SECONDS = 24 * 3600;

/**
 * POST /v1/process: decide per service (pure), then persist each decision once per delivery.
 * The parsed payload lives only inside the synchronous decision step: a request waiting on
 * the database holds its raw body and its decisions, not the parsed JSON.
 */
export async function processIncidentCall(
  deps: AppDeps,
  call: IngestCall,
): Promise<IngestResult<ProcessAnswer>> {
  requireIndexes(deps);
  const services = await servicesFor(deps, call.caller.token);
  const now = deps.clock();
  const decisions = decideAll(call, services, now);
  const window = duplicateWindowSeconds(services);
  return once(deps, call, "process", window, PROCESS_ANSWERS, (deliveryId) =>
    persistDecisions(deps, call, decisions, now, deliveryId),
  );
}

/** POST /v1/request: global tokens only; title and description by the seed's rules. */
export async function createRequestCall(
  deps: AppDeps,
  call: IngestCall,
): Promise<IngestResult<RequestAnswer>> {
  requireIndexes(deps);
  const { account, token } = call.caller;
  const text = requestText({
    payload: readPayload(call.body, call.contentType),
    from: call.source,
    language: account.language,
  });
  const window = DEFAULT_DUPLICATE_WINDOW_SECONDS;
  return once(deps, call, "request", window, REQUEST_ANSWERS, async (deliveryId) => {
    const request = await deps.repositories.requests.create({
      accountId: account.id,
      tokenId: token.id,
      title: text.title,
      description: text.description,
      ...(text.workflowId !== undefined ? { workflowId: text.workflowId } : {}),
      ...sourceOf(call.source),
      payload: payloadOf(call),
      createdAt: deps.clock(),
      deliveryId,
    });
    await announceRequest(deps, request);
    const { id, title, description, workflowId, source, createdAt } = request;
    const summary: RequestSummary = { id, title, description, createdAt };
    if (workflowId !== undefined) summary.workflowId = workflowId;
    if (source !== undefined) summary.source = source;
    return { status: 201, answer: { id, request: summary } };
  });
}

/**
 * A trigger whose description is the whole payload text carries none (no copy of it waits
 * for the database): the incident stores the payload once and reads it back as the description.
 */
type Decision =
  | Exclude<ServiceDecision, TriggerDecision>
  | (Omit<TriggerDecision, "description"> & { description?: string });

function decideAll(call: IngestCall, services: Service[], now: Date): Decision[] {
  const payload = readPayload(call.body, call.contentType);
  return services.map((service) => {
    const decision = decideForService({
      service: rulesOf(service),
      payload,
      from: call.source,
      language: call.caller.account.language,
      now,
    });
    if (decision.kind !== "trigger" || decision.description !== payload.text) return decision;
    const { description: _wholePayload, ...withoutCopy } = decision;
    return withoutCopy;
  });
}

/**
 * Runs a delivery at most once: a retry (same body from the same token to the same endpoint
 * within the window, or the same Idempotency-Key) is answered like the first delivery. The
 * writes carry the delivery's id, so a retry after a crash completes rather than repeats them;
 * the owner keeps its lease while it works, so a retry never runs it a second time. The same
 * Idempotency-Key with another body is a 422 (the IETF Idempotency-Key draft).
 */
async function once<A>(
  deps: AppDeps,
  call: IngestCall,
  endpoint: Endpoint,
  windowSeconds: number,
  codec: AnswerCodec<A>,
  run: (deliveryId: string) => Promise<{ status: number; answer: A }>,
): Promise<IngestResult<A>> {
  const { deliveries } = deps.repositories;
  const key = deliveryKey(call, endpoint);
  const window = call.idempotencyKey ? IDEMPOTENCY_KEY_WINDOW_SECONDS : windowSeconds;
  const claim = await deliveries.claim(key, Math.max(window, 1) * 1000, fingerprintOf(call));
  if (claim.role === "mismatch") {
    throw new AppError(
      "UNPROCESSABLE",
      "This Idempotency-Key was used with a different request (body, from or content type) within the last day; nothing was stored. Send a new key for a new request.",
      { errors: [{ field: "Idempotency-Key", message: "used before with a different request" }] },
    );
  }
  if (claim.role === "replay") {
    return { status: claim.status, answer: codec.decode(claim.response), replayed: true };
  }
  const stopRenewing = deliveries.keepLease(key, claim);
  try {
    const { status, answer } = await run(claim.generation);
    await deliveries.complete(claim, status, codec.encode(answer));
    await stopRenewing();
    return { status, answer, replayed: false };
  } catch (error) {
    // Stopped first: a renewal landing after it would hold the sender's retry back.
    await stopRenewing();
    await deliveries.abandon(key).catch(() => {});
    throw error;
  }
}

/** What a call delivered: with the same Idempotency-Key, another fingerprint is no retry. */
function fingerprintOf(call: IngestCall): string {
  return createHash("sha256")
    .update(`${call.source ?? ""}\n${call.contentType ?? ""}\n`)
    .update(call.body)
    .digest("hex");
}

function deliveryKey(call: IngestCall, endpoint: Endpoint): string {
  const hash = createHash("sha256").update(`${call.caller.token.id}\n${endpoint}\n`);
  if (call.idempotencyKey) hash.update(`key\n${call.idempotencyKey}`);
  else hash.update(`body\n${call.source ?? ""}\n${call.contentType ?? ""}\n`).update(call.body);
  return hash.digest("hex");
}

async function persistDecisions(
  deps: AppDeps,
  call: IngestCall,
  decisions: Decision[],
  now: Date,
  deliveryId: string,
): Promise<{ status: number; answer: ProcessAnswer }> {
  const { incidents } = deps.repositories;
  const accountId = call.caller.account.id;
  const callId = newEntityId();
  const triggered = { created: 0, duplicate: 0 };
  const resolved = { resolved: 0, duplicate: 0 };
  const touched: TouchedIncident[] = [];
  const event = { at: now, actor: `token:${call.caller.token.id}`, callId };
  const announce = announceTransitions(deps);

  for (const decision of decisions) {
    if (decision.kind === "trigger") {
      const opened = await incidents.openOrAppend(
        {
          accountId,
          serviceId: decision.serviceId,
          title: decision.title,
          ...(decision.description !== undefined ? { description: decision.description } : {}),
          urgency: decision.urgency,
          status: "triggered",
          ...(decision.correlation !== undefined ? { correlationKey: decision.correlation } : {}),
          ...sourceOf(call.source),
          payload: payloadOf(call),
          createdAt: now,
          updatedAt: now,
          ...(decision.autoResolveAfterSeconds
            ? { autoResolveAfterSeconds: decision.autoResolveAfterSeconds }
            : {}),
          deliveryId: `${deliveryId}:${decision.serviceId}`,
        },
        { ...event, type: "triggered" },
        announce,
      );
      if (opened.action === "created") await announceOpened(deps, opened.incident);
      else
        await announceAdded(deps, opened.incident, opened.added, { ...event, type: "duplicate" });
      triggered[opened.action] += 1;
      touched.push(touchedBy(opened.incident, opened.action));
    } else if (decision.kind === "resolve") {
      const incident =
        decision.correlation === undefined
          ? null
          : await incidents.resolveOpen(
              accountId,
              decision.serviceId,
              decision.correlation,
              { ...event, type: "resolved" },
              announce,
            );
      if (incident) {
        resolved.resolved += 1;
        touched.push(touchedBy(incident, "resolved"));
      } else {
        resolved.duplicate += 1;
      }
    }
  }

  const status = statusOf(triggered, resolved);
  await logCall(deps, call, "/v1/process", callId, decisions, touched, status);
  const answer: ProcessAnswer = { id: callId, triggered, resolved, incidents: touched };
  if (status === 202) answer.reason = reasonOf(decisions);
  return { status, answer };
}

function touchedBy(incident: IncidentHead, action: IncidentAction): TouchedIncident {
  const { id, number, serviceId, title, status, urgency, correlationKey } = incident;
  const touched: TouchedIncident = { id, number, serviceId, title, status, urgency, action };
  if (correlationKey !== undefined) touched.correlationKey = correlationKey;
  return touched;
}

/**
 * The API call log: every call of a token with `debug` on, and every call that maintenance
 * suppressed (docs/product.md §7). A disabled service creates nothing and logs nothing.
 */
async function logCall(
  deps: AppDeps,
  call: IngestCall,
  endpoint: string,
  callId: string,
  decisions: Decision[],
  touched: TouchedIncident[],
  status: number,
): Promise<void> {
  const logged = decisions.filter(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  // Every service the call reached is disabled: nothing is logged, even for a debug token.
  if (decisions.length > 0 && logged.length === 0) return;
  const suppressed = logged.some((decision) => decision.kind === "suppressed");
  const { token, account } = call.caller;
  if (!token.debug && !suppressed) return;
  await appendApiLog(deps, {
    id: callId,
    accountId: account.id,
    tokenId: token.id,
    endpoint,
    from: call.source,
    contentType: call.contentType,
    bodySize: call.body.byteLength,
    decisions: logged.map((decision) => ({
      serviceId: decision.serviceId,
      kind: decision.kind,
      ...("reason" in decision ? { reason: decision.reason } : {}),
      incidentId: touched.find((incident) => incident.serviceId === decision.serviceId)?.id,
    })),
    status,
  });
}

/** Nothing is stored before the unique indexes exist (see Database.indexesReady). */
function requireIndexes(deps: AppDeps): void {
  if (deps.repositories.database.indexesReady) return;
  throw new AppError(
    "DATABASE_UNAVAILABLE",
    "The database is being prepared (its indexes are created at start-up); nothing was stored. Retry later.",
  );
}

/** A service token's service, a team token's team's services, a global token's account's. */
async function servicesFor(deps: AppDeps, token: Token): Promise<Service[]> {
  if (token.scope === "service") {
    const service = token.serviceId
      ? await deps.repositories.services.findInAccount(token.accountId, token.serviceId)
      : null;
    return service ? [service] : [];
  }
  if (token.scope === "team") {
    return token.teamId ? servicesOfTeam(deps, token.accountId, token.teamId) : [];
  }
  return deps.repositories.services.listByAccount(token.accountId);
}

/** The longest duplicate window among the services the call runs through. */
function duplicateWindowSeconds(services: Service[]): number {
  const windows = services.map(
    (service) => service.filter?.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS,
  );
  return windows.length ? Math.max(...windows) : DEFAULT_DUPLICATE_WINDOW_SECONDS;
}

function payloadOf(call: IngestCall): StoredPayload {
  return { contentType: call.contentType ?? null, body: call.body };
}

function sourceOf(source: string | undefined): { source?: string } {
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

function reasonOf(decisions: Decision[]): NothingReason {
  if (decisions.some((decision) => decision.kind === "suppressed")) return "maintenance";
  const active = decisions.some(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  return active ? "no-filter-passed" : "no-active-service";
}
