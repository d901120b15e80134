import { readFile } from "node:fs/promises";
import {
  createRequest,
  type IngestResult,
  processIncident,
  type RequestResult,
} from "@sqibs/api-client";
import type { Command } from "commander";
import { contextOf, failureOf } from "../context.js";
import { CliError } from "../errors.js";

interface SendOptions {
  file?: string;
  request?: boolean;
  from?: string;
  contentType?: string;
}

/**
 * `sqibs send`: posts stdin (or --file) as it is to /v1/process, or to /v1/request with
 * --request — for cron jobs and scripts. Exits non-zero on anything but a 2xx.
 */
export function sendCommand(program: Command): void {
  program
    .command("send")
    .description("post stdin or a file to /v1/process (or /v1/request with --request)")
    .option("--file <path>", "read the payload from this file instead of stdin")
    .option("--request", "create a request (POST /v1/request) instead of an incident")
    .option("--from <name>", "the sender's name, used in titles")
    .option(
      "--content-type <type>",
      "default: application/json when the payload is JSON, else text/plain",
    )
    .action(async (options: SendOptions, command: Command) => {
      const context = contextOf(command);
      const body = options.file ? await readPayload(options.file) : await readStdin();
      const contentType = options.contentType ?? guessContentType(body);
      const request = {
        client: context.client,
        body: new Uint8Array(body),
        bodySerializer: null,
        headers: { "Content-Type": contentType },
        ...(options.from !== undefined ? { query: { from: options.from } } : {}),
      };
      const answer = options.request
        ? await createRequest(request as Parameters<typeof createRequest>[0])
        : await processIncident(request as Parameters<typeof processIncident>[0]);
      if (!answer.response?.ok) throw new CliError(failureOf(context.url, answer));
      const status = answer.response.status;
      context.out.result(answer.data, () => {
        if (options.request) {
          const { request: created } = answer.data as RequestResult;
          context.out.line(`${status}: request ${created.id} "${created.title}"`);
          return;
        }
        const result = answer.data as IngestResult;
        // The flags are booleans; the incidents say how many of each (one per service).
        const count = (action: string) =>
          result.incidents.filter((incident) => incident.action === action).length;
        const summary = [
          `${count("created")} created`,
          `${count("duplicate")} duplicate`,
          `${count("resolved")} resolved`,
          ...(result.reason ? [`(${result.reason})`] : []),
        ].join(", ");
        context.out.line(`${status}: ${summary}`);
        for (const incident of result.incidents) {
          context.out.line(
            `  #${incident.number} ${incident.id} ${incident.action}: ${incident.title}`,
          );
        }
      });
    });
}

async function readPayload(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** The whole of stdin; refuses a terminal (nothing piped in). */
export async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new CliError("nothing on stdin: pipe the payload in, or give --file <path>");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function guessContentType(body: Buffer): string {
  try {
    JSON.parse(body.toString("utf8"));
    return "application/json";
  } catch {
    return "text/plain; charset=utf-8";
  }
}
