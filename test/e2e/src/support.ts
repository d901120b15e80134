import { readFileSync } from "node:fs";
import { findTemplate, type IntegrationTemplate } from "@sqibs/templates";
// The intake service's own test harness (services/intake/test): the real HTTP server on a
// database of its own. Imported by path, as the service does not export its tests.
import { startTestService, type TestService } from "../../../services/intake/test/harness.js";

export { startTestService, type TestService };

export type Account = Awaited<ReturnType<TestService["account"]>>;

const fixtures = new URL("../../fixtures/", import.meta.url);

/** A fixture's bytes as a sender posts them (test/fixtures/<template>/<file>). */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, fixtures), "utf8");
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are whatever the tool sends
export function fixtureJson(path: string): any {
  return JSON.parse(fixtureText(path));
}

export function template(name: string): IntegrationTemplate {
  const found = findTemplate(name);
  if (!found) throw new Error(`no integration template "${name}"`);
  return found;
}

/**
 * A fresh account whose default service has the template's filter: what `POST /v1/services`
 * with `template` will do once the API has it.
 */
export async function accountWithTemplate(service: TestService, name: string): Promise<Account> {
  const account = await service.account({ accountName: `Template ${name}` });
  await service.configureService(account, { filter: structuredClone(template(name).filter) });
  return account;
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the service answered
  json: any;
  text: string;
}

export interface Send {
  body: string;
  contentType: string;
  from: string;
  /** Bearer token; with `tokenInUrl` it goes in the `token` URL parameter instead. */
  token: string;
  tokenInUrl?: boolean;
  headers?: Record<string, string>;
}

/** One POST /v1/process as the sender makes it (the `from` value encoded as in the guides). */
export async function sendToProcess(service: TestService, send: Send): Promise<Answer> {
  let url = `${service.url}/v1/process?from=${encodeURIComponent(send.from)}`;
  const headers: Record<string, string> = { "content-type": send.contentType, ...send.headers };
  if (send.tokenInUrl) url += `&token=${encodeURIComponent(send.token)}`;
  else headers.authorization = `Bearer ${send.token}`;
  const response = await fetch(url, { method: "POST", headers, body: send.body });
  const text = await response.text();
  const json = /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : null;
  return { status: response.status, json, text };
}

/** The incident as stored, with its events, read straight from the database. */
export async function storedIncident(service: TestService, account: Account, id: string) {
  const incident = await service.deps.repositories.incidents.findInAccount(account.account.id, id);
  if (!incident) throw new Error(`incident ${id} is not stored`);
  return incident;
}
