import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
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
import type { PresumedAnswer, Settle } from "../repositories/deliveries.js";
import type { IncidentHead, NewIncident, Opening } from "../repositories/incidents.js";
import {
  type IncidentEvent,
  newEntityId,
  type Service,
  type ServiceRequest,
  type StoredPayload,
  type Token,
} from "../repositories/index.js";
import { appendApiLog } from "./api-logs.js";
import { actorOf, type Caller } from "./caller.js";
import { type JournaledOpening, planJournal, recordJournal, releaseJournal } from "./journal.js";
import {
  announceAdded,
  announceOpened,
  announceRequest,
  announceTransitions,
  openingDeliveryIds,
} from "./outbox.js";
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

/**
 * A request's answer is stored without its description when that is the whole payload: a
 * retry carries the same payload (the same body, or the same Idempotency-Key and fingerprint),
 * so its own text is the description. Answers stored with one (all before this) keep theirs.
 */
function requestAnswers(payloadText: string): AnswerCodec<RequestAnswer> {
  return {
    encode: ({ id, request }) => {
      const { description, ...rest } = request;
      const stored = description === payloadText ? rest : request;
      return JSON.stringify({ id, request: stored });
    },
    decode: (stored) => {
      const answer = JSON.parse(stored) as {
        id: string;
        request: Omit<RequestSummary, "description" | "createdAt"> & {
          description?: string;
          createdAt: string;
        };
      };
      const { description = payloadText, createdAt, ...rest } = answer.request;
      return {
        id: answer.id,
        request: { ...rest, description, createdAt: new Date(createdAt) },
      };
    },
  };
}

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
  const callId = newEntityId();
  const openings = openingsOf(decisions);
  const accountId = call.caller.account.id;
  const journal = await planJournal(
    deps,
    [...openings.values()].map(({ id, serviceId }) => ({ accountId, serviceId, incidentId: id })),
  );
  const outbox = await presumableOutbox(deps, call, decisions, now, openings);
  const presumed = outbox && {
    ...presumedAnswer(callId, decisions, openings),
    outbox,
    ...(journal ? { journal: [...journal.values()].map((opening) => opening.entry.id) } : {}),
  };
  try {
    return await once(
      deps,
      call,
      "process",
      window,
      PROCESS_ANSWERS,
      (deliveryId, earlier) => {
        const chosen = earlier === undefined ? undefined : incidentsChosen(earlier);
        for (const opening of openings.values()) {
          opening.earlierId = chosen && (chosen.get(opening.serviceId) ?? null);
        }
        return persistDecisions(deps, call, decisions, now, deliveryId, callId, openings, journal);
      },
      {
        presumed,
        filled: withNumbersOf,
        settle: (stored) => settleProcessAnswer(deps, call, stored),
        send: () => claimOpenings(deps, openings, journal),
        meanwhile: (generation) =>
          prepareIncidents(deps, call, decisions, now, generation, callId, openings),
        takeBack: () => releaseOpenings(deps, openings),
      },
    );
  } finally {
    // Entries not handed over with their deliveries are checked by the dispatcher.
    if (journal) releaseJournal(deps, journal);
  }
}

/** POST /v1/request: global tokens only; title and description by the seed's rules. */
export async function createRequestCall(
  deps: AppDeps,
  call: IngestCall,
): Promise<IngestResult<RequestAnswer>> {
  requireIndexes(deps);
  const { account, token } = call.caller;
  const payload = readPayload(call.body, call.contentType);
  const text = requestText({ payload, from: call.source, language: account.language });
  const window = DEFAULT_DUPLICATE_WINDOW_SECONDS;
  const answers = requestAnswers(payload.text);
  return once(deps, call, "request", window, answers, async (deliveryId) => {
    const request = await deps.repositories.requests.create({
      accountId: account.id,
      tokenId: token.id,
      title: text.title,
      // The whole payload (the seed's rule) is not stored a second time.
      ...(text.description !== payload.text ? { description: text.description } : {}),
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
 * What a call sends with its delivery's claim: the open-incident claims of the incidents it
 * may open, and, when its answer is known before it writes, that answer (PresumedAnswer). A
 * call that opens an incident then waits for two commands (both claims in one, then the
 * incident), a call that opens nothing for one.
 */
interface BesideTheClaim<A> {
  /**
   * The answer if every write goes as presumed, the blanks that only they fill left blank,
   * and the webhook deliveries the writes store.
   */
  presumed: { status: number; answer: A; outbox: string[]; journal?: string[] } | undefined;
  /** The presumed answer with its blanks filled in from the answer the writes gave. */
  filled: (presumed: A, actual: A) => A;
  settle: Settle;
  send: () => Promise<void>;
  /**
   * Work that needs no answer from the database, done while the claims are in flight: at one
   * connection a call's latency is the service's and the database's CPU in turn, and this
   * runs beside the database's instead of after it. Given the generation a new delivery's
   * claim carries (the writes' id if this call owns it: `run` is then given the same).
   */
  meanwhile?: (generation: string) => void;
  /** Undoes what `send` stored, when this delivery is not run (a replay or a mismatch). */
  takeBack: () => Promise<void>;
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
  /**
   * `earlier`: what an earlier attempt wrote under the delivery's generation, when known:
   * nothing (`null`: the generation is this call's), or what the writes of the attempt that
   * created it are (the answer it presumed: this call took the delivery over from it).
   */
  run: (deliveryId: string, earlier: PresumedAnswer | null | undefined) => Promise<Outcome<A>>,
  beside?: BesideTheClaim<A>,
): Promise<IngestResult<A>> {
  const { deliveries } = deps.repositories;
  const fingerprint = fingerprintOf(call);
  const key = deliveryKey(call, endpoint, fingerprint);
  const window = call.idempotencyKey ? IDEMPOTENCY_KEY_WINDOW_SECONDS : windowSeconds;
  const generation = newEntityId();
  // Sent in the same tick as the delivery's claim: both are stored in `deliveries`, so the
  // batches send them as one command (insert-batches.ts), before this call's code runs again.
  const sent = beside ? settledError(beside.send()) : Promise.resolve(undefined);
  const presumed = beside?.presumed;
  // The event loop's next turn: after the claims' command is written (the batches send it
  // from a microtask), before its answer is read.
  if (beside?.meanwhile) setImmediate(beside.meanwhile, generation);
  const claim = await deliveries
    .claim(key, Math.max(window, 1) * 1000, fingerprint, {
      generation,
      presumed: presumed && {
        status: presumed.status,
        response: codec.encode(presumed.answer),
        ...(presumed.outbox.length > 0 ? { outbox: presumed.outbox } : {}),
        ...(presumed.journal ? { journal: presumed.journal } : {}),
      },
      ...(beside ? { settle: beside.settle } : {}),
    })
    .catch(async (error: unknown) => {
      await sent;
      await beside?.takeBack().catch(() => {});
      throw error;
    });
  const sendError = await sent;
  if (claim.role !== "owner") await beside?.takeBack();
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
    if (sendError !== undefined) throw sendError;
    const earlier = claim.generation === generation ? null : claim.earlier;
    const { status, answer, outbox = [] } = await run(claim.generation, earlier);
    // Compared as values, so that an answer as presumed is never encoded (stored with the claim).
    const asPresumed =
      claim.presumed &&
      presumed !== undefined &&
      beside !== undefined &&
      presumed.status === status &&
      sameIds(presumed.outbox, outbox) &&
      isDeepStrictEqual(beside.filled(presumed.answer, answer), answer);
    if (!asPresumed) await deliveries.complete(claim, status, codec.encode(answer));
    await stopRenewing();
    return { status, answer, replayed: false };
  } catch (error) {
    // Stopped first: a renewal landing after it would hold the sender's retry back.
    await stopRenewing();
    await deliveries.abandon(key).catch(() => {});
    throw error;
  }
}

/** What a delivery's writes did: its answer, and the webhook deliveries they stored. */
interface Outcome<A> {
  status: number;
  answer: A;
  outbox?: string[];
}

function sameIds(some: string[], others: string[]): boolean {
  const set = new Set(some);
  return set.size === new Set(others).size && others.every((id) => set.has(id));
}

/** The promise's error once it settles; undefined when it fulfils. */
function settledError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error ?? new Error("rejected"),
  );
}

/**
 * What a call delivered (its `from`, content type and body): with the same Idempotency-Key,
 * another fingerprint is no retry. The only pass over the body: the delivery key names it.
 */
function fingerprintOf(call: IngestCall): string {
  return createHash("sha256")
    .update(`${call.source ?? ""}\n${call.contentType ?? ""}\n`)
    .update(call.body)
    .digest("hex");
}

/** The token, the endpoint, and the Idempotency-Key or else what was delivered. */
function deliveryKey(call: IngestCall, endpoint: Endpoint, fingerprint: string): string {
  const hash = createHash("sha256").update(`${call.caller.token.id}\n${endpoint}\n`);
  if (call.idempotencyKey) hash.update(`key\n${call.idempotencyKey}`);
  else hash.update(`delivered\n${fingerprint}`);
  return hash.digest("hex");
}

async function persistDecisions(
  deps: AppDeps,
  call: IngestCall,
  decisions: Decision[],
  now: Date,
  deliveryId: string,
  callId: string,
  openings: Map<string, Opening>,
  journal: Map<string, JournaledOpening> | undefined,
): Promise<Outcome<ProcessAnswer>> {
  const { incidents } = deps.repositories;
  const accountId = call.caller.account.id;
  const triggered = { created: 0, duplicate: 0 };
  const resolved = { resolved: 0, duplicate: 0 };
  const touched: TouchedIncident[] = [];
  const outbox: string[] = [];
  const event = eventOf(call, now, callId);
  const announce = announceTransitions(deps);

  for (const decision of decisions) {
    if (decision.kind === "trigger") {
      const opening = openings.get(decision.serviceId);
      const { prepared } = opening ?? {};
      const incident =
        prepared?.input.deliveryId === incidentDeliveryId(deliveryId, decision)
          ? prepared
          : newIncidentOf(call, decision, now, deliveryId, event);
      const opened = await incidents.openOrAppend(
        incident.input,
        incident.event,
        announce,
        opening,
      );
      if (opened.action === "created") {
        const journaled = journal?.get(opened.incident.id);
        if (journaled?.recorded) {
          const { sequence, entry } = journaled;
          journaled.handedOver = true;
          const route = { kind: "hand-over" as const, sequence, entry };
          outbox.push(...(await announceOpened(deps, opened.incident, route)));
        } else outbox.push(...(await announceOpened(deps, opened.incident)));
      } else
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
  return { status, answer, outbox };
}

/** An incident a trigger opens if it opens one: its id chosen before anything is written. */
interface PlannedOpening extends Opening {
  serviceId: string;
  correlation?: string;
}

/** The incident each trigger opens if it opens one, by service. */
function openingsOf(decisions: Decision[]): Map<string, PlannedOpening> {
  const openings = new Map<string, PlannedOpening>();
  for (const decision of decisions) {
    if (decision.kind !== "trigger") continue;
    const { serviceId, correlation } = decision;
    const opening = { id: newEntityId(), serviceId };
    openings.set(serviceId, correlation === undefined ? opening : { ...opening, correlation });
  }
  return openings;
}

/**
 * Sends the open-incident claims of the openings with a correlation value (claimOpen), and the
 * openings' journal entries (usecases/journal.ts): all in `deliveries`, one command.
 */
async function claimOpenings(
  deps: AppDeps,
  openings: Map<string, PlannedOpening>,
  journal: Map<string, JournaledOpening> | undefined,
) {
  const { incidents } = deps.repositories;
  await Promise.all([
    journal ? recordJournal(deps, journal) : undefined,
    ...[...openings.values()].map(async (opening) => {
      if (opening.correlation === undefined) return;
      opening.claimed = await incidents.claimOpen(
        opening.serviceId,
        opening.correlation,
        opening.id,
      );
    }),
  ]);
}

/** Who and what a call's events name: its token, its time and its id. */
function eventOf(call: IngestCall, now: Date, callId: string) {
  return { at: now, actor: actorOf(call.caller), callId };
}

/** A trigger's incident is stored once per delivery and service. */
function incidentDeliveryId(deliveryId: string, decision: { serviceId: string }): string {
  return `${deliveryId}:${decision.serviceId}`;
}

/** The incident a trigger opens, and its opening event, for the delivery `deliveryId`. */
function newIncidentOf(
  call: IngestCall,
  decision: Extract<Decision, { kind: "trigger" }>,
  now: Date,
  deliveryId: string,
  event: ReturnType<typeof eventOf>,
): { input: NewIncident; event: IncidentEvent } {
  const input: NewIncident = {
    accountId: call.caller.account.id,
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
    deliveryId: incidentDeliveryId(deliveryId, decision),
  };
  return { input, event: { ...event, type: "triggered" } };
}

/**
 * Builds the documents of the incidents the openings store if this call owns the delivery
 * with `generation` (persistDecisions builds them otherwise; openOrAppend compresses the
 * payload once). A failure is left to openOrAppend, which meets it again and fails the call.
 */
function prepareIncidents(
  deps: AppDeps,
  call: IngestCall,
  decisions: Decision[],
  now: Date,
  generation: string,
  callId: string,
  openings: Map<string, Opening>,
) {
  const event = eventOf(call, now, callId);
  const planned: Array<{ opening: Opening; incident: ReturnType<typeof newIncidentOf> }> = [];
  for (const decision of decisions) {
    const opening = openings.get(decision.serviceId);
    if (decision.kind !== "trigger" || !opening) continue;
    planned.push({ opening, incident: newIncidentOf(call, decision, now, generation, event) });
  }
  if (planned.length === 0) return;
  try {
    const prepared = deps.repositories.incidents.prepareIncidents(
      planned.map(({ incident }) => incident),
    );
    planned.forEach(({ opening }, index) => {
      opening.prepared = prepared[index];
    });
  } catch {}
}

/** Gives back the claims claimOpenings won: the delivery ran before, this call opens nothing. */
async function releaseOpenings(deps: AppDeps, openings: Map<string, PlannedOpening>) {
  const { incidents } = deps.repositories;
  await Promise.all(
    [...openings.values()].map(async (opening) => {
      if (!opening.claimed || opening.correlation === undefined) return;
      await incidents.releaseOpen(opening.serviceId, opening.correlation, opening.id);
      opening.claimed = undefined;
    }),
  );
}

/**
 * Whether the call's answer is known before it writes: it resolves nothing and logs nothing,
 * and each trigger either opens the incident chosen for it or the call stores a real answer
 * after all; no trigger schedules an auto-resolve (the schedule must be stored before an
 * answer holds). Then the ids of the webhook deliveries its openings store (the outbox's
 * events must be stored before an answer holds: a retry checks them too); else undefined.
 */
async function presumableOutbox(
  deps: AppDeps,
  call: IngestCall,
  decisions: Decision[],
  at: Date,
  openings: Map<string, Opening>,
): Promise<string[] | undefined> {
  if (loggedDecisions(call, decisions)) return undefined;
  const outbox: string[] = [];
  for (const decision of decisions) {
    if (decision.kind === "resolve") return undefined;
    if (decision.kind !== "trigger") continue;
    if (decision.autoResolveAfterSeconds) return undefined;
    const opening = openings.get(decision.serviceId);
    if (!opening) return undefined;
    const accountId = call.caller.account.id;
    const { serviceId } = decision;
    outbox.push(
      ...(await openingDeliveryIds(deps, { accountId, serviceId, incidentId: opening.id, at })),
    );
  }
  return outbox;
}

/**
 * The answer if every trigger opens the incident chosen for it: their numbers, handed out
 * as they are stored, are left 0 (filled in from the stored incidents: withNumbersOf,
 * settleProcessAnswer).
 */
function presumedAnswer(
  callId: string,
  decisions: Decision[],
  openings: Map<string, Opening>,
): { status: number; answer: ProcessAnswer } {
  const incidents: TouchedIncident[] = [];
  for (const decision of decisions) {
    const opening = openings.get(decision.serviceId);
    if (decision.kind !== "trigger" || !opening) continue;
    const { serviceId, title, urgency, correlation } = decision;
    const head = { id: opening.id, number: 0, serviceId, title, status: "triggered" as const };
    const withKey = correlation === undefined ? head : { ...head, correlationKey: correlation };
    incidents.push(touchedBy({ ...withKey, urgency }, "created"));
  }
  const triggered = { created: incidents.length, duplicate: 0 };
  const resolved = { resolved: 0, duplicate: 0 };
  const status = statusOf(triggered, resolved);
  const answer: ProcessAnswer = { id: callId, triggered, resolved, incidents };
  if (status === 202) answer.reason = reasonOf(decisions);
  return { status, answer };
}

/**
 * By service, the id of the incident an earlier attempt at the delivery stored, if it stored
 * one: none when there was no earlier attempt (`null`); else those its presumed answer names
 * (an answer is presumed only when each trigger's incident id is chosen up front, so it names
 * every incident its call may store).
 */
function incidentsChosen(earlier: PresumedAnswer | null): Map<string, string> {
  const incidents = earlier ? PROCESS_ANSWERS.decode(earlier.response).incidents : [];
  return new Map(incidents.map(({ serviceId, id }) => [serviceId, id]));
}

/** The presumed answer with the numbers of the incidents the call stored. */
function withNumbersOf(presumed: ProcessAnswer, actual: ProcessAnswer): ProcessAnswer {
  const numbers = new Map(actual.incidents.map((incident) => [incident.id, incident.number]));
  const incidents = presumed.incidents.map((incident) => ({
    ...incident,
    number: numbers.get(incident.id) ?? incident.number,
  }));
  return { ...presumed, incidents };
}

/**
 * A presumed answer holds once every incident it opens is stored, and every webhook delivery
 * of their openings: then with their numbers.
 */
async function settleProcessAnswer(
  deps: AppDeps,
  call: IngestCall,
  stored: PresumedAnswer,
): Promise<string | null> {
  const answer = PROCESS_ANSWERS.decode(stored.response);
  for (const incident of answer.incidents) {
    const number = await deps.repositories.incidents.numberOf(call.caller.account.id, incident.id);
    if (number === null) return null;
    incident.number = number;
  }
  // Journaled: an incident is stored only after its journal entry (recordJournal), which
  // stays until the event's deliveries are stored (usecases/journal.ts).
  if (stored.journal) return PROCESS_ANSWERS.encode(answer);
  for (const id of stored.outbox ?? []) {
    if (!(await deps.repositories.webhookDeliveries.isStored(id))) return null;
  }
  return PROCESS_ANSWERS.encode(answer);
}

function touchedBy(
  incident: Pick<
    IncidentHead,
    "id" | "number" | "serviceId" | "title" | "status" | "urgency" | "correlationKey"
  >,
  action: IncidentAction,
): TouchedIncident {
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
  const logged = loggedDecisions(call, decisions);
  if (!logged) return;
  const { token, account } = call.caller;
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

/** The decisions the API call log keeps of this call; undefined when it logs nothing. */
function loggedDecisions(call: IngestCall, decisions: Decision[]): Decision[] | undefined {
  const logged = decisions.filter(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  // Every service the call reached is disabled: nothing is logged, even for a debug token.
  if (decisions.length > 0 && logged.length === 0) return undefined;
  const suppressed = logged.some((decision) => decision.kind === "suppressed");
  return call.caller.token.debug || suppressed ? logged : undefined;
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
