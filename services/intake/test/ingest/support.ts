import type { ApiFilter } from "@sqibs/domain";
import type { Binary, Document } from "mongodb";
import type { PayloadApartDoc } from "../../src/repositories/documents.js";
import { receivedBody } from "../../src/repositories/incidents.js";
import type { TestService } from "../harness.js";

export interface Post {
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Answer {
  status: number;
  headers: globalThis.Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the service answered
  json: any;
  text: string;
}

/** One raw HTTP call to the running service, as a sender would make it. */
export async function post(
  service: TestService,
  { path = "/v1/process", query = {}, headers = {}, body }: Post,
): Promise<Answer> {
  const url = new URL(path, service.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const response = await fetch(url, {
    method: "POST",
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  const json =
    text && /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, json, text };
}

/** Alertmanager-style: opens on `firing`, resolves on `resolved`, one incident per `groupKey`. */
export const GROUP_FILTER: ApiFilter = {
  triggers: [
    {
      urgency: "high",
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "summary",
      correlationKey: "groupKey",
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
};

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** The stored incident behind an API answer, read straight from the database. */
export async function storedIncident(service: TestService, accountId: string, id: string) {
  const incident = await service.deps.repositories.incidents.findInAccount(accountId, id);
  if (!incident) throw new Error(`incident ${id} is not stored`);
  return { ...incident, bytes: Buffer.from(incident.payload.body) };
}

/** The payload bytes of a document read straight from the database. */
export function storedBytes(doc: Document | null): Buffer {
  const payload = doc?.payload as { body: Binary; encoding?: "br" } | undefined;
  if (!payload?.body) throw new Error("the document has no payload");
  return Buffer.from(receivedBody(payload));
}

/** The same, also when an incident's payload is stored apart (incident_payloads). */
export async function payloadBytes(service: TestService, doc: Document | null): Promise<Buffer> {
  if (!(doc?.payload as { apart?: true } | undefined)?.apart) return storedBytes(doc);
  const apart = await service.deps.repositories.database.db
    .collection<PayloadApartDoc>("incident_payloads")
    .findOne({ _id: String(doc?.deliveryId) });
  if (!apart) throw new Error("the incident's payload is not stored");
  return Buffer.from(receivedBody(apart));
}

export async function countIncidents(service: TestService): Promise<number> {
  return service.deps.repositories.database.db.collection("incidents").countDocuments();
}

/**
 * A global webhook subscribed to incident.triggered, to this machine (the service must allow
 * it: WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOWED_CIDRS); without a dispatcher nothing is sent.
 */
export async function subscribeToOpenings(service: TestService, adminSecret: string) {
  const created = await post(service, {
    path: "/v1/webhooks",
    headers: { "content-type": "application/json", ...bearer(adminSecret) },
    body: JSON.stringify({
      scope: "global",
      url: "http://127.0.0.1:8080/hook",
      events: ["incident.triggered"],
    }),
  });
  if (created.status !== 201) throw new Error(`webhook not created: ${created.text}`);
}
