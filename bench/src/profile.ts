/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): where the service's CPU time goes, by
 * function (self time) and by package (self and inclusive time).
 */
import { readFileSync } from "node:fs";
import { textTable } from "./report.js";

interface CallFrame {
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

function functionKey(frame: CallFrame): string {
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
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const on = byId.get(at);
        if (!on || on.callFrame.functionName === "(root)") continue;
        const name = packageOf(on.callFrame);
        seen.add(name);
        if (name.startsWith("@sqibs/")) own.add(functionKey(on.callFrame));
      }
      for (const name of seen) add(packagesInclusive, name, ms);
      for (const name of own) add(ownInclusive, name, ms);
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
  };
}

export function summarizeProfile(files: string | string[], windows?: Window[]): ProfileSummary {
  const list = Array.isArray(files) ? files : [files];
  return analyze(
    list.map((file) => JSON.parse(readFileSync(file, "utf8")) as CpuProfile),
    list.join(", "),
    windows,
  );
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
