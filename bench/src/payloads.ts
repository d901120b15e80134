import { randomBytes } from "node:crypto";

/**
 * The payload mix: the same three bodies, in the same rotation, for the floor and the service.
 * Every body carries a unique id (in the groupKey of the JSON ones, in the text of the text
 * one), so the service opens a new incident for each firing alert instead of appending to an
 * open one, and no body is ever a byte-for-byte retry of an earlier one.
 */

/** Replaced by the request's unique id; appears exactly once in every template. */
export const ID_PLACEHOLDER = "@@BENCH_ID@@";
/** Every id has this length, so every body of a kind has one size. */
export const ID_LENGTH = 20;

export interface PayloadTemplate {
  name: string;
  contentType: string;
  /** What the service does with it under the bench's filter (for the output). */
  serviceOutcome: string;
  /**
   * Sent with the id of the request before it on the same connection instead of a new one:
   * the same alert group (the cycle's duplicates and resolve). The first template of a list
   * always takes a new id.
   */
  sameGroup?: boolean;
  before: string;
  after: string;
}

export interface Payload {
  name: string;
  contentType: string;
  body: string;
}

/** The service's filter: an Alertmanager-style trigger and resolve (see docs/product.md §5). */
export const ALERTMANAGER_FILTER = {
  triggers: [
    {
      urgency: "high" as const,
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "commonAnnotations.summary",
      descriptionKey: "commonAnnotations.description",
      correlationKey: "groupKey",
    },
  ],
  resolve: {
    condition: { key: "status", contains: ["resolved"] },
    correlationKey: "groupKey",
  },
};

function template(
  name: string,
  contentType: string,
  serviceOutcome: string,
  text: string,
  sameGroup = false,
): PayloadTemplate {
  const parts = text.split(ID_PLACEHOLDER);
  if (parts.length !== 2) throw new Error(`${name}: the id placeholder must appear exactly once`);
  return {
    name,
    contentType,
    serviceOutcome,
    before: parts[0] ?? "",
    after: parts[1] ?? "",
    ...(sameGroup ? { sameGroup } : {}),
  };
}

type AlertStatus = "firing" | "resolved";

/** One alert of a group, as Alertmanager's webhook (version 4) sends it. */
function alert(index: number, status: AlertStatus = "firing") {
  const instance = `node-${String(index).padStart(3, "0")}.prod.example.net:9100`;
  return {
    status,
    labels: {
      alertname: "HighRequestLatency",
      cluster: "prod-eu-west-1",
      instance,
      job: "api-gateway",
      namespace: "payments",
      severity: "critical",
    },
    annotations: {
      summary: `High request latency on ${instance}`,
      description: `99th percentile latency on ${instance} has been above 500 ms for 10 minutes (current value: ${(512 + index * 7.3).toFixed(1)} ms).`,
      runbook_url: "https://runbooks.example.net/api-gateway/high-request-latency",
    },
    startsAt: "2026-03-14T09:26:53.589Z",
    endsAt: status === "resolved" ? "2026-03-14T09:41:53.589Z" : "0001-01-01T00:00:00Z",
    generatorURL: `http://prometheus-0.monitoring.svc:9090/graph?g0.expr=histogram_quantile%280.99%2C+sum+by+%28le%2C+instance%29+%28rate%28http_request_duration_seconds_bucket%5B5m%5D%29%29%29+%3E+0.5&g0.tab=1&i=${index}`,
    fingerprint: (0x1f3a5c7e9b2d4f60n + BigInt(index)).toString(16),
  };
}

/**
 * An Alertmanager v4 group of `alerts` alerts, firing unless `status` says otherwise; the
 * groupKey holds the unique id. Without `commonAnnotations.description` (`describe: false`),
 * the service's description is the whole payload text.
 */
export function alertmanagerBody(
  alerts: number,
  describe = true,
  status: AlertStatus = "firing",
): string {
  return JSON.stringify({
    receiver: "sqibs-intake",
    status,
    alerts: Array.from({ length: alerts }, (_, index) => alert(index, status)),
    groupLabels: { alertname: "HighRequestLatency" },
    commonLabels: {
      alertname: "HighRequestLatency",
      cluster: "prod-eu-west-1",
      job: "api-gateway",
      severity: "critical",
    },
    commonAnnotations: {
      summary: "High request latency on the API gateway",
      ...(describe
        ? {
            description: `${alerts} instance(s) of the API gateway answer above 500 ms at the 99th percentile.`,
          }
        : {}),
    },
    externalURL: "http://alertmanager-0.monitoring.svc:9093",
    version: "4",
    groupKey: `{}/{severity="critical"}:{alertname="HighRequestLatency"}/${ID_PLACEHOLDER}`,
    truncatedAlerts: 0,
  });
}

export function textBody(): string {
  return [
    "CRITICAL - disk usage on db-07.prod.example.net",
    "Filesystem /var/lib/postgresql is 97% full (4.6 GB free of 150 GB).",
    "Check: check_disk -w 90% -c 95% -p /var/lib/postgresql",
    `Host group: databases; notification type: PROBLEM; event ${ID_PLACEHOLDER}.`,
    "Nagios 4.5.1 on mon-01",
  ].join("\n");
}

/** The mix, in the order each connection sends it: 1:1:1. */
export function payloadTemplates(): PayloadTemplate[] {
  return [
    template(
      "alertmanager-2k",
      "application/json",
      "firing, unique groupKey: the filter passes, a new incident (201)",
      alertmanagerBody(2),
    ),
    template(
      "text-300",
      "text/plain; charset=utf-8",
      "text: the filter's status condition cannot pass, nothing created (202 no-filter-passed)",
      textBody(),
    ),
    template(
      "alertmanager-20k",
      "application/json",
      "firing group of 24 alerts, unique groupKey: a new incident (201)",
      alertmanagerBody(24),
    ),
  ];
}

/** Duplicates of each group between its opening and its resolve. */
export const CYCLE_DUPLICATES = 2;

/**
 * The cycle of one alert group, in the order each connection sends it, a new group each time
 * round: it opens (firing, a new groupKey: 201), fires again while open, one more alert each
 * time, as Alertmanager re-sends a group that changed (duplicates: 200, appended to the open
 * incident), then resolves (200). Every body is unique: the groupKey holds the group's id and
 * each step of a group differs from the others.
 */
export function cycleTemplates(duplicates = CYCLE_DUPLICATES): PayloadTemplate[] {
  const duplicate = (step: number) =>
    template(
      `alertmanager-duplicate-${step}`,
      "application/json",
      `the same group firing again with ${2 + step} alerts: appended to the open incident (200)`,
      alertmanagerBody(2 + step),
      true,
    );
  return [
    template(
      "alertmanager-open",
      "application/json",
      "firing, a new groupKey: a new incident (201)",
      alertmanagerBody(2),
    ),
    ...Array.from({ length: duplicates }, (_, index) => duplicate(index + 1)),
    template(
      "alertmanager-resolve",
      "application/json",
      "the same group resolved: its incident resolved (200)",
      alertmanagerBody(2 + duplicates, true, "resolved"),
      true,
    ),
  ];
}

/** A large-payload scenario: bodies of about `bytes` bytes, on `connections` connections. */
export interface LargeScenario {
  name: string;
  bytes: number;
  /** Mostly random base64 (an attachment) instead of alerts: compresses to about 3/4. */
  dense: boolean;
}

/**
 * `100k` or `1m` (decimal: 100,000 and 1,000,000 bytes), comma-separated, each optionally
 * `-dense` (e.g. `1m-dense`); `none` or empty: none.
 */
export function parseLargeScenarios(text: string): LargeScenario[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "" || trimmed === "none") return [];
  return trimmed.split(",").map((item) => {
    const match = /^(\d+(?:\.\d+)?)\s*(k|m)?b?(-dense)?$/.exec(item.trim());
    if (!match) throw new Error(`'${item}' is not a size such as 100k, 1m or 1m-dense`);
    const bytes = Math.round(
      Number(match[1]) * (match[2] === "m" ? 1e6 : match[2] === "k" ? 1e3 : 1),
    );
    if (bytes < 1_000) throw new Error(`'${item}': large payloads start at 1k`);
    const dense = match[3] !== undefined;
    return { name: `${sizeName(bytes)}${dense ? " dense" : ""}`, bytes, dense };
  });
}

function sizeName(bytes: number): string {
  return bytes >= 1e6 ? `${+(bytes / 1e6).toFixed(2)} MB` : `${+(bytes / 1e3).toFixed(1)} KB`;
}

/**
 * Bodies of about `bytes` (never more) for a large-payload scenario, rotated 1:1: an
 * Alertmanager group big enough, once with `commonAnnotations.description` (a short
 * description; the payload is stored once) and once without (the description is the whole
 * payload). Both open a new incident (201).
 */
export function largeTemplates(bytes: number, dense = false): PayloadTemplate[] {
  const name = sizeName(bytes).replace(" ", "").toLowerCase();
  return [true, false].map((describe) => {
    const kind = describe ? "short description" : "the description is the whole payload";
    if (dense) {
      return template(
        `alertmanager-${name}-dense${describe ? "" : "-nodesc"}`,
        "application/json",
        `firing group of 2 alerts and a random base64 attachment, ${kind}: a new incident (201)`,
        denseBody(bytes, describe),
      );
    }
    const alerts = alertsWithin(bytes, describe);
    return template(
      `alertmanager-${name}${describe ? "" : "-nodesc"}`,
      "application/json",
      `firing group of ${alerts} alerts, ${kind}: a new incident (201)`,
      alertmanagerBody(alerts, describe),
    );
  });
}

/**
 * An Alertmanager group of two alerts with a random base64 `attachment` filling it to `bytes`:
 * about 6 bits of information in each byte, as dense as JSON text usually gets. (The random
 * part is drawn once per template: each body is as dense on its own.)
 */
function denseBody(bytes: number, describe: boolean): string {
  const group = JSON.parse(alertmanagerBody(2, describe)) as Record<string, unknown>;
  const base = Buffer.byteLength(JSON.stringify({ ...group, attachment: "" }));
  const length = Math.max(0, bytes - base - ID_LENGTH + ID_PLACEHOLDER.length);
  const attachment = randomBytes(Math.ceil((length * 3) / 4))
    .toString("base64")
    .slice(0, length);
  return JSON.stringify({ ...group, attachment });
}

/** The most alerts whose group stays within `bytes` (at least one). */
function alertsWithin(bytes: number, describe: boolean): number {
  const size = (alerts: number) =>
    Buffer.byteLength(alertmanagerBody(alerts, describe)) - ID_PLACEHOLDER.length + ID_LENGTH;
  const perAlert = size(2) - size(1);
  let alerts = Math.max(1, Math.floor((bytes - size(0)) / perAlert));
  while (alerts > 1 && size(alerts) > bytes) alerts -= 1;
  while (size(alerts + 1) <= bytes) alerts += 1;
  return alerts;
}

/** Fixed-length, unique within a run (runTag) and across runs on one database (random tag). */
export function makeId(runTag: string, sequence: number): string {
  const id = `${runTag}-${sequence.toString(36).padStart(ID_LENGTH - runTag.length - 1, "0")}`;
  if (id.length !== ID_LENGTH) throw new Error(`id ${id} is not ${ID_LENGTH} characters long`);
  return id;
}

export function render(template: PayloadTemplate, id: string): Payload {
  return {
    name: template.name,
    contentType: template.contentType,
    body: template.before + id + template.after,
  };
}

export function byteLength(template: PayloadTemplate): number {
  return Buffer.byteLength(template.before + template.after) + ID_LENGTH;
}
