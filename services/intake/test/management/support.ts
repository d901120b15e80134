import {
  type Client,
  createClient,
  createConfig,
  credentials,
  type IngestResult,
  type Problem,
  processIncident,
} from "@sqibs/api-client";
import { afterAll, beforeAll, expect } from "vitest";
import type { BootstrapInput } from "../../src/usecases/bootstrap.js";
import { startTestService, type TestService } from "../harness.js";

/** The generated client, authenticated with one secret as `Authorization: Bearer`. */
export function clientFor(service: TestService, secret: string): Client {
  return createClient(createConfig({ baseUrl: service.url, auth: credentials.bearer(secret) }));
}

export interface TestAccount extends Awaited<ReturnType<TestService["account"]>> {
  /** Client with the admin token (management API). */
  admin: Client;
  /** Client with the global token (ingest). */
  ingest: Client;
  accountId: string;
  serviceId: string;
}

/** A fresh account (own service, global and admin tokens) with clients for both tokens. */
export async function newAccount(
  service: TestService,
  input: Partial<BootstrapInput> = {},
): Promise<TestAccount> {
  const created = await service.account(input);
  return {
    ...created,
    admin: clientFor(service, created.adminToken.secret),
    ingest: clientFor(service, created.globalToken.secret),
    accountId: created.account.id,
    serviceId: created.service.id,
  };
}

/**
 * The suite's service on a database of its own, with one fresh account in it: started before
 * its tests (beforeAll) and closed after them. Both objects are filled in by that hook, so they
 * are read in hooks and tests only, never while the suite is collected.
 */
export function serviceWithAccount(
  suite: string,
  overrides?: Parameters<typeof startTestService>[1],
): { service: TestService; acme: TestAccount } {
  const service = {} as TestService;
  const acme = {} as TestAccount;
  beforeAll(async () => {
    Object.assign(service, await startTestService(suite, overrides));
    Object.assign(acme, await newAccount(service));
  });
  afterAll(() => service.close());
  return { service, acme };
}

let sequence = 0;

/** Opens incidents through POST /v1/process; every body differs, so none is a retry. */
export async function trigger(
  client: Client,
  body: Record<string, unknown> = {},
  from?: string,
): Promise<IngestResult> {
  sequence += 1;
  const result = await processIncident({
    client,
    body: { alert: `alert ${sequence}`, sequence, ...body },
    ...(from !== undefined ? { query: { from } } : {}),
  });
  if (!result.data) {
    throw new Error(`POST /v1/process: ${result.response?.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** The id of the one incident a trigger opened. */
export async function openIncident(
  client: Client,
  body: Record<string, unknown> = {},
  from?: string,
): Promise<string> {
  const result = await trigger(client, body, from);
  const [incident] = result.incidents;
  if (!incident) throw new Error(`no incident opened: ${JSON.stringify(result)}`);
  return incident.id;
}

interface Answer {
  error?: unknown;
  response?: Response;
}

/** Asserts the answer is `status` as application/problem+json, and returns the problem. */
export function problemOf(answer: Answer, status: number): Problem {
  expect(answer.response?.status, JSON.stringify(answer.error)).toBe(status);
  expect(answer.response?.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const problem = answer.error as Problem;
  expect(problem).toMatchObject({ status });
  expect(problem.detail).toBeTruthy();
  return problem;
}

/** A raw call, for what the typed client cannot send (other content types, no token). */
export async function raw(
  service: TestService,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; type: string | null; json: unknown }> {
  const response = await fetch(new URL(path, service.url), { method, ...init });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    json: text ? JSON.parse(text) : undefined,
  };
}

/** A 24-digit id that names nothing. */
export const UNKNOWN_ID = "0123456789abcdef01234567";
