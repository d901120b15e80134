/** Drives one target with autocannon at one concurrency, with the rotating payload mix. */
import autocannon, { type Request } from "autocannon";
import { makeId, type PayloadTemplate, render } from "./payloads.js";

export interface LoadOptions {
  url: string;
  path: string;
  connections: number;
  seconds: number;
  templates: PayloadTemplate[];
  /** Sent as `Authorization: Bearer` (the floor ignores it but receives the same bytes). */
  token: string;
  /** Unique per run and database; makes every body unique. */
  nextId: () => string;
  /** A response not there by then is a timeout (an error); default 10 s. */
  timeoutSeconds?: number;
}

export interface LoadOutcome {
  seconds: number;
  responses: number;
  latenciesMs: number[];
  non2xx: number;
  timeouts: number;
  otherErrors: number;
  statusCodes: Record<string, number>;
}

const active = new Set<{ stop(): void }>();

/** Stops every load in progress (on Ctrl-C, before the targets are stopped). */
export function stopActiveLoads() {
  for (const instance of active) instance.stop();
  active.clear();
}

/** A per-run id source: `<tag>-<sequence>`, fixed length. */
export function idSource(runTag: string): () => string {
  let sequence = 0;
  return () => makeId(runTag, sequence++);
}

export async function drive(options: LoadOptions): Promise<LoadOutcome> {
  const requests: Request[] = options.templates.map((template) => ({
    method: "POST",
    path: options.path,
    headers: {
      "content-type": template.contentType,
      authorization: `Bearer ${options.token}`,
    },
    // autocannon keeps one context per connection, emptied when its list starts over.
    setupRequest: (request, context) => {
      const id =
        template.sameGroup && typeof context.group === "string" ? context.group : options.nextId();
      context.group = id;
      request.body = render(template, id).body;
      return request;
    },
  }));
  const latenciesMs: number[] = [];
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: options.timeoutSeconds ?? 10,
    requests,
  });
  // Every response, whatever its status (autocannon's own histogram keeps 2xx only, in whole ms).
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latenciesMs.push(ms);
  });
  active.add(instance);
  const result = await instance.then(
    (value) => {
      active.delete(instance);
      return value;
    },
    (error: unknown) => {
      active.delete(instance);
      throw error;
    },
  );
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count]),
  );
  return {
    seconds: result.duration,
    responses: latenciesMs.length,
    latenciesMs,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    // autocannon counts a timeout as an error too.
    otherErrors: result.errors - result.timeouts,
    statusCodes,
  };
}
