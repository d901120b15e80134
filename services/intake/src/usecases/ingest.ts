import {
  decideForService,
  normalizeFrom,
  readPayload,
  requestText,
  type ServiceDecision,
  type ServiceRules,
} from "@sqibs/domain";
import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type {
  AccountDoc,
  IncidentDoc,
  RequestDoc,
  ServiceDoc,
  TokenDoc,
} from "../repositories/documents.js";
import { ObjectId, storedPayload } from "../repositories/ids.js";

export interface IngestCall {
  token: TokenDoc;
  body: Uint8Array;
  contentType: string | undefined;
  from: string | undefined;
}

export type IncidentAction = "created" | "duplicate" | "resolved";
export type NothingReason = "no-filter-passed" | "maintenance" | "no-active-service";

export interface IngestOutcome {
  status: 200 | 201 | 202;
  callId: ObjectId;
  triggered: { created: number; duplicate: number };
  resolved: { resolved: number; duplicate: number };
  incidents: Array<{ incident: IncidentDoc; action: IncidentAction }>;
  reason?: NothingReason;
}

/** POST /v1/process: decide per service (pure), then persist each decision. */
export async function processIncidentCall(deps: AppDeps, call: IngestCall): Promise<IngestOutcome> {
  const { repositories } = deps;
  const now = deps.clock();
  const account = await loadAccount(deps, call.token);
  const services = await servicesFor(deps, call.token);
  const payload = readPayload(call.body, call.contentType);
  const outcome: IngestOutcome = {
    status: 202,
    callId: new ObjectId(),
    triggered: { created: 0, duplicate: 0 },
    resolved: { resolved: 0, duplicate: 0 },
    incidents: [],
  };
  const decisions = services.map((service) =>
    decideForService({
      service: rulesOf(service),
      payload,
      from: call.from,
      language: account.language,
      now,
    }),
  );
  const event = { at: now, actor: `token:${call.token._id.toHexString()}`, callId: outcome.callId };
  for (const decision of decisions) {
    if (decision.kind === "trigger") {
      const opened = await repositories.incidents.openOrAppend(
        {
          accountId: account._id,
          serviceId: ObjectId.createFromHexString(decision.serviceId),
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
        },
        { ...event, type: "triggered" },
      );
      outcome.triggered[opened.action === "created" ? "created" : "duplicate"] += 1;
      outcome.incidents.push(opened);
    } else if (decision.kind === "resolve") {
      const resolved =
        decision.correlation === undefined
          ? null
          : await repositories.incidents.resolveOpen(
              ObjectId.createFromHexString(decision.serviceId),
              decision.correlation,
              { ...event, type: "resolved" },
            );
      if (resolved) {
        outcome.resolved.resolved += 1;
        outcome.incidents.push({ incident: resolved, action: "resolved" });
      } else {
        outcome.resolved.duplicate += 1;
      }
    }
  }
  outcome.status = statusOf(outcome);
  if (outcome.status === 202) outcome.reason = reasonOf(decisions);
  return outcome;
}

/** POST /v1/request: global tokens only; title and description by the seed's rules. */
export async function createRequestCall(deps: AppDeps, call: IngestCall): Promise<RequestDoc> {
  const account = await loadAccount(deps, call.token);
  const payload = readPayload(call.body, call.contentType);
  const text = requestText({ payload, from: call.from, language: account.language });
  return deps.repositories.requests.create({
    accountId: account._id,
    tokenId: call.token._id,
    title: text.title,
    description: text.description,
    ...(text.workflowId !== undefined ? { workflowId: text.workflowId } : {}),
    ...sourceOf(call.from),
    payload: storedPayload(call.body, call.contentType),
    createdAt: deps.clock(),
  });
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

function rulesOf(service: ServiceDoc): ServiceRules {
  return {
    id: service._id.toHexString(),
    state: service.state,
    ...(service.filter ? { filter: service.filter } : {}),
    ...(service.titleKey ? { titleKey: service.titleKey } : {}),
    ...(service.descriptionKey ? { descriptionKey: service.descriptionKey } : {}),
    ...(service.maintenance ? { maintenance: service.maintenance } : {}),
  };
}

function sourceOf(from: string | undefined): { source?: string } {
  const source = normalizeFrom(from);
  return source === undefined ? {} : { source };
}

function statusOf(outcome: IngestOutcome): 200 | 201 | 202 {
  if (outcome.triggered.created > 0) return 201;
  const resolveEvents = outcome.resolved.resolved + outcome.resolved.duplicate;
  if (resolveEvents > 0 || outcome.triggered.duplicate > 0) return 200;
  return 202;
}

function reasonOf(decisions: ServiceDecision[]): NothingReason {
  if (decisions.some((decision) => decision.kind === "suppressed")) return "maintenance";
  const active = decisions.some(
    (decision) => !(decision.kind === "skipped" && decision.reason === "disabled"),
  );
  return active ? "no-filter-passed" : "no-active-service";
}
