/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): where the service's CPU time goes, by
 * function (self time) and by package (self and inclusive time).
 */
import { readFileSync } from "node:fs";
import { textTable } from "./report.js";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  /** Percent of the busy (non-idle) samples. */
  percent: number;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idlePercent: number;
  topSelf: Share[];
  packagesSelf: Share[];
  packagesInclusive: Share[];
  /** The project's own functions (@sqibs/*), with everything they call synchronously. */
  ownInclusive: Share[];
  /** Busy time by layer of the service (see layerOf), every layer, largest first. */
  layers: Share[];
}

const IDLE = new Set(["(idle)"]);

/** node_modules/.pnpm/<x>/node_modules/<pkg>/..., workspace dist folders, node: internals. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /\/(services|packages|bench)\/([^/]+)\/(dist|src)\//.exec(url);
  if (workspace) return `@sqibs/${workspace[2]}`;
  if (url.startsWith("node:")) {
    const parts = url.slice("node:".length).split("/");
    return `node:${parts[0] === "internal" && parts[1] ? parts[1] : parts[0]}`;
  }
  return url;
}

/**
 * The service's layers, for the question "what does one call cost, by layer". A sample goes
 * to the innermost frame of its stack that a rule names, so a hash computed by the auth code
 * counts as auth and the driver's BSON work as the driver, whoever called them. Frames no rule
 * names (node internals, small helper packages, V8 builtins) pass the sample to their caller;
 * a stack of node internals only is the HTTP server's own work (parsing, sockets, timers).
 */
export const LAYERS = {
  auth: "auth (token, account, rate limits)",
  body: "body capture (raw-body, utf8 string)",
  validator: "validator (express-openapi-validator, ajv)",
  domain: "filters/domain (parse, decide)",
  i18n: "i18n",
  ingest: "ingest use case (delivery key, orchestration)",
  repositories: "repositories (documents, group commit)",
  driver: "driver + BSON (mongodb, bson)",
  response: "response (views, res.json)",
  logging: "logging (request log, pino)",
  metrics: "metrics (prom-client)",
  express: "Express routing + other middleware",
  errors: "errors (problem+json)",
  http: "node:http server, sockets, timers",
  gc: "garbage collector (main thread)",
  program: "(program): V8, native",
  other: "other",
} as const;

type Layer = (typeof LAYERS)[keyof typeof LAYERS];

/** Project files by path inside their package (services/intake/dist/...). */
const OWN_FILES: Array<[RegExp, Layer]> = [
  [
    /\/http\/(auth|session)\.js$|\/usecases\/(authenticate|rate-limit|secrets|caller|sessions)\.js$/,
    LAYERS.auth,
  ],
  [/\/repositories\/(rate-limits|tokens|accounts|cache)\.js$/, LAYERS.auth],
  [/\/http\/raw-body\.js$/, LAYERS.body],
  [/\/http\/openapi\.js$/, LAYERS.validator],
  [/\/http\/request-log\.js$|\/logging\.js$/, LAYERS.logging],
  [/\/http\/metrics\.js$|\/metrics\.js$/, LAYERS.metrics],
  [/\/http\/views\.js$/, LAYERS.response],
  [/\/http\/problem\.js$|\/errors\.js$/, LAYERS.errors],
  [/\/http\/limits\.js$|\/http\/paths\.js$|\/app\.js$/, LAYERS.express],
  [/\/repositories\//, LAYERS.repositories],
  [/\/(usecases|routes)\//, LAYERS.ingest],
];

const PACKAGES: Record<string, Layer> = {
  "@sqibs/domain": LAYERS.domain,
  "@sqibs/i18n": LAYERS.i18n,
  i18next: LAYERS.i18n,
  "express-openapi-validator": LAYERS.validator,
  ajv: LAYERS.validator,
  "ajv-formats": LAYERS.validator,
  "ajv-draft-04": LAYERS.validator,
  "fast-uri": LAYERS.validator,
  mongodb: LAYERS.driver,
  bson: LAYERS.driver,
  "@mongodb-js/saslprep": LAYERS.driver,
  "raw-body": LAYERS.body,
  "body-parser": LAYERS.body,
  "iconv-lite": LAYERS.body,
  pino: LAYERS.logging,
  "pino-std-serializers": LAYERS.logging,
  "sonic-boom": LAYERS.logging,
  "fast-redact": LAYERS.logging,
  "prom-client": LAYERS.metrics,
  tdigest: LAYERS.metrics,
  express: LAYERS.express,
  router: LAYERS.express,
  finalhandler: LAYERS.express,
  "(garbage collector)": LAYERS.gc,
  "(program)": LAYERS.program,
};

/** The layer a stack (leaf first) belongs to. */
export function layerOf(stack: CallFrame[]): Layer {
  for (const frame of stack) {
    const named = namedLayer(frame);
    if (named) return named;
  }
  return stack.some((frame) =>
    /^node:(_http_|net$|internal\/(streams|stream_base|timers))/.test(frame.url),
  )
    ? LAYERS.http
    : LAYERS.other;
}

function namedLayer(frame: CallFrame): Layer | undefined {
  const name = packageOf(frame);
  if (name === "@sqibs/intake") {
    return OWN_FILES.find(([path]) => path.test(frame.url))?.[1] ?? LAYERS.other;
  }
  // Express's response helpers are the answer's cost, not routing's.
  if (name === "express" && /\/express\/lib\/response\.js$/.test(frame.url)) return LAYERS.response;
  return PACKAGES[name];
}

export function functionKey(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${location(frame)}`.trim();
}

function location(frame: CallFrame): string {
  if (!frame.url) return "";
  const short = frame.url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^.*\/(services|packages|bench)\//, "$1/");
  return `${short}:${frame.lineNumber + 1}`;
}

/**
 * Time windows in microseconds of the monotonic clock (process.hrtime / 1000), which is the
 * clock of V8's profile timestamps, so a parent's windows select a child's samples.
 */
export type Window = [fromUs: number, toUs: number];

export function analyze(
  profiles: CpuProfile | CpuProfile[],
  file = "",
  windows?: Window[],
): ProfileSummary {
  const self = new Map<string, number>();
  const packagesSelf = new Map<string, number>();
  const packagesInclusive = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  const layers = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let wall = 0;
  const add = (map: Map<string, number>, key: string, ms: number) =>
    map.set(key, (map.get(key) ?? 0) + ms);
  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    wall += (profile.endTime - profile.startTime) / 1000;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
      for (const child of node.children ?? []) parent.set(child, node.id);
    }
    // timeDeltas[i] is the time before sample i; attribute to sample i the time until the next.
    const sampleMs = profile.samples.map(
      (_, index) => (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000,
    );
    let at = profile.startTime;
    profile.samples.forEach((id, index) => {
      at += profile.timeDeltas[index] ?? 0;
      if (windows && !windows.some(([from, to]) => at >= from && at <= to)) return;
      const ms = sampleMs[index] ?? 0;
      const node = byId.get(id);
      if (!node) return;
      if (IDLE.has(node.callFrame.functionName)) {
        idle += ms;
        return;
      }
      busy += ms;
      const frame = node.callFrame;
      add(self, functionKey(frame), ms);
      add(packagesSelf, packageOf(frame), ms);
      const seen = new Set<string>();
      const own = new Set<string>();
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const on = byId.get(at);
        if (!on || on.callFrame.functionName === "(root)") continue;
        stack.push(on.callFrame);
        const name = packageOf(on.callFrame);
        seen.add(name);
        if (name.startsWith("@sqibs/")) own.add(functionKey(on.callFrame));
      }
      for (const name of seen) add(packagesInclusive, name, ms);
      for (const name of own) add(ownInclusive, name, ms);
      add(layers, layerOf(stack), ms);
    });
  }
  const shares = (map: Map<string, number>, limit: number): Share[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({ name, ms, percent: busy > 0 ? (100 * ms) / busy : 0 }));
  return {
    file,
    wallMs: windows ? windows.reduce((sum, [from, to]) => sum + (to - from) / 1000, 0) : wall,
    busyMs: busy,
    idlePercent: busy + idle > 0 ? (100 * idle) / (busy + idle) : 0,
    topSelf: shares(self, 25),
    packagesSelf: shares(packagesSelf, 15),
    packagesInclusive: shares(packagesInclusive, 15),
    ownInclusive: shares(ownInclusive, 20),
    layers: shares(layers, Object.keys(LAYERS).length),
  };
}

/** Profiles read once, to be summarized over several windows. */
export interface LoadedProfiles {
  file: string;
  profiles: CpuProfile[];
}

export function loadProfiles(files: string | string[]): LoadedProfiles {
  const list = Array.isArray(files) ? files : [files];
  return {
    file: list.join(", "),
    profiles: list.map((file) => JSON.parse(readFileSync(file, "utf8")) as CpuProfile),
  };
}

export function summarizeProfile(
  input: string | string[] | LoadedProfiles,
  windows?: Window[],
): ProfileSummary {
  const { file, profiles } =
    typeof input === "string" || Array.isArray(input) ? loadProfiles(input) : input;
  return analyze(profiles, file, windows);
}

export function topTable(summary: ProfileSummary): string {
  const rows = (shares: Share[]) =>
    shares.map((share) => [share.name, share.percent.toFixed(1), share.ms.toFixed(0)]);
  return [
    `busy ${(summary.busyMs / 1000).toFixed(1)} s of ${(summary.wallMs / 1000).toFixed(1)} s (idle ${summary.idlePercent.toFixed(0)}%); percentages are of busy time`,
    "",
    textTable(["package (inclusive: on the stack)", "%", "ms"], rows(summary.packagesInclusive), 1),
    "",
    textTable(["package (self)", "%", "ms"], rows(summary.packagesSelf), 1),
    "",
    textTable(["function (self)", "%", "ms"], rows(summary.topSelf), 1),
    "",
    textTable(
      ["project function (inclusive of its synchronous callees)", "%", "ms"],
      rows(summary.ownInclusive),
      1,
    ),
  ].join("\n");
}

/** One measured level's profile, with the responses it served (for ms per request). */
export interface LevelProfile {
  label: string;
  summary: ProfileSummary;
  responses: number;
}

/**
 * CPU ms per request by layer, one column per level: the main thread's samples only (the
 * cpu ms/req of the results table also counts V8's helper threads and the kernel's work).
 */
export function layersTable(levels: LevelProfile[]): string {
  const perRequest = (level: LevelProfile, ms: number) =>
    level.responses > 0 ? ms / level.responses : Number.NaN;
  const names = Object.values(LAYERS).filter((name) =>
    levels.some((level) => level.summary.layers.some((share) => share.name === name)),
  );
  const cell = (level: LevelProfile, name: string) => {
    const share = level.summary.layers.find((entry) => entry.name === name);
    if (!share) return "-";
    return `${perRequest(level, share.ms).toFixed(3)} ${share.percent.toFixed(1).padStart(5)}%`;
  };
  return textTable(
    ["layer", ...levels.map((level) => `${level.label}: ms/req  share`)],
    [
      ...names.map((name) => [name, ...levels.map((level) => cell(level, name))]),
      [
        "all busy time (main thread)",
        ...levels.map((level) => `${perRequest(level, level.summary.busyMs).toFixed(3)}  100.0%`),
      ],
      ["idle", ...levels.map((level) => `${level.summary.idlePercent.toFixed(0)}% of the window`)],
    ],
    1,
  );
}
