import { type Client, createClient, createConfig, credentials } from "@sqibs/api-client";
import type { Command } from "commander";
import { CliError } from "./errors.js";
import { type Output, outputFor } from "./output.js";

export const DEFAULT_URL = "http://127.0.0.1:3000";

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface Context {
  url: string;
  client: Client;
  out: Output;
}

/** The service to talk to and the token to use: flags first, then SQIBS_URL / SQIBS_TOKEN. */
export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  const url = (options.url ?? process.env.SQIBS_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const token = options.token ?? process.env.SQIBS_TOKEN;
  if (!token) {
    throw new CliError("no API token: set SQIBS_TOKEN or pass --token <token>");
  }
  const client = createClient(createConfig({ baseUrl: url, auth: credentials.bearer(token) }));
  return { url, client, out: outputFor(options) };
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/**
 * The data of a successful answer; any other answer becomes one line: the problem's detail,
 * else the HTTP status, else why the service could not be reached.
 */
export async function unwrap<T>(
  context: Pick<Context, "url">,
  pending: Promise<Answer<T>>,
): Promise<T> {
  const answer = await pending;
  if (answer.response?.ok) return answer.data as T;
  throw new CliError(failureOf(context.url, answer));
}

/** Says one entity's change is done: `{ id, <done>: true }` as JSON, else one line of text. */
export function reportDone(
  context: Context,
  entity: string,
  id: string,
  done: "deleted" | "revoked",
): void {
  context.out.result({ id, [done]: true }, () => {
    context.out.line(`${entity} ${id} ${done}.`);
  });
}

export function failureOf(url: string, answer: Answer<unknown>): string {
  const { error, response } = answer;
  const detail =
    typeof error === "object" && error !== null && "detail" in error
      ? String((error as { detail: unknown }).detail)
      : undefined;
  if (detail) return detail;
  if (response) return `HTTP ${response.status} ${response.statusText}`.trim();
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const reason = cause?.code ?? cause?.message;
  return `cannot reach ${url}${reason ? ` (${reason})` : ""}`;
}
