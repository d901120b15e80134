/**
 * BENCH_ALLOCATIONS=1: the service runs with `--inspect` on a loopback port, and the bench
 * asks V8 (Chrome DevTools Protocol) during each measured window for
 * - a sampling heap profile that keeps the objects collected meanwhile: what the service
 *   allocated on the JS heap, by stack (what the garbage collector then has to clear);
 * - process.memoryUsage() every 100 ms: the peak of the JS heap and of Buffer contents
 *   (off the JS heap, so not in the allocation profile).
 */
import { type CallFrame, functionKey, LAYERS, layerOf } from "./profile.js";
import { textTable } from "./report.js";

interface HeapNode {
  callFrame: CallFrame;
  /** Bytes of the sampled allocations made here, scaled to an estimate of all of them. */
  selfSize: number;
  children?: HeapNode[];
}

export interface HeapProfile {
  head: HeapNode;
}

export interface MemoryPeaks {
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

export interface AllocationShare {
  name: string;
  bytes: number;
  percent: number;
}

export interface AllocationSummary {
  /** Estimated bytes allocated on the JS heap during the window, all and by layer. */
  totalBytes: number;
  layers: AllocationShare[];
  /** The functions that allocated most (self), with their layer. */
  functions: AllocationShare[];
  peaks: MemoryPeaks;
}

/** One DevTools Protocol session over the inspector's WebSocket. */
class Session {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    });
    socket.addEventListener("close", () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error("inspector closed"));
      this.pending.clear();
    });
  }

  static async open(port: number): Promise<Session> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), {
        once: true,
      });
    });
    return new Session(socket);
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close() {
    this.socket.close();
  }
}

/** Bytes between samples: small enough for per-request figures, cheap at these rates. */
const SAMPLING_INTERVAL_BYTES = 16 * 1024;

/** Starts sampling; stop() returns the window's allocations and memory peaks. */
export async function watchAllocations(
  port: number,
): Promise<{ stop(): Promise<AllocationSummary> }> {
  const session = await Session.open(port);
  await session.send("HeapProfiler.enable");
  await session.send("HeapProfiler.startSampling", {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const peaks: MemoryPeaks = { heapUsedMiB: 0, externalMiB: 0, arrayBuffersMiB: 0 };
  let polling = Promise.resolve();
  const poll = setInterval(() => {
    polling = polling.then(async () => {
      const usage = await memoryUsage(session).catch(() => undefined);
      if (!usage) return;
      peaks.heapUsedMiB = Math.max(peaks.heapUsedMiB, usage.heapUsed / 2 ** 20);
      peaks.externalMiB = Math.max(peaks.externalMiB, usage.external / 2 ** 20);
      peaks.arrayBuffersMiB = Math.max(peaks.arrayBuffersMiB, usage.arrayBuffers / 2 ** 20);
    });
  }, 100);
  return {
    async stop() {
      clearInterval(poll);
      await polling;
      try {
        const { profile } = await session.send<{ profile: HeapProfile }>(
          "HeapProfiler.stopSampling",
        );
        return { ...allocationsByLayer(profile), peaks };
      } finally {
        session.close();
      }
    },
  };
}

async function memoryUsage(session: Session): Promise<NodeJS.MemoryUsage | undefined> {
  const { result } = await session.send<{ result: { value?: NodeJS.MemoryUsage } }>(
    "Runtime.evaluate",
    { expression: "process.memoryUsage()", returnByValue: true },
  );
  return result.value;
}

/** The profile's bytes by layer (the same rules as the CPU profile's, see layerOf). */
export function allocationsByLayer(profile: HeapProfile): {
  totalBytes: number;
  layers: AllocationShare[];
  functions: AllocationShare[];
} {
  const byLayer = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, bytes: number) =>
    map.set(key, (map.get(key) ?? 0) + bytes);
  const visit = (node: HeapNode, path: CallFrame[]) => {
    const stack = node.callFrame.functionName === "(root)" ? path : [node.callFrame, ...path];
    if (node.selfSize > 0) {
      const layer = layerOf(stack);
      add(byLayer, layer, node.selfSize);
      add(byFunction, `${functionKey(node.callFrame)} [${layer.split(" ")[0]}]`, node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children ?? []) visit(child, stack);
  };
  visit(profile.head, []);
  const shares = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, bytes]) => ({ name, bytes, percent: total > 0 ? (100 * bytes) / total : 0 }));
  return {
    totalBytes: total,
    layers: shares(byLayer, Infinity),
    functions: shares(byFunction, 15),
  };
}

/** One measured level's allocations, with the responses it served (for KB per request). */
export interface LevelAllocations {
  label: string;
  summary: AllocationSummary;
  responses: number;
}

/** The functions that allocated most in one level, KB per request. */
export function allocatingFunctionsTable(level: LevelAllocations): string {
  return textTable(
    [`function (self), ${level.label}`, "KB/req", "%"],
    level.summary.functions.map((share) => [
      share.name,
      level.responses > 0 ? (share.bytes / level.responses / 1024).toFixed(1) : "n/a",
      share.percent.toFixed(1),
    ]),
    1,
  );
}

/** KB allocated per request by layer, one column per level, and the memory peaks. */
export function allocationsTable(levels: LevelAllocations[]): string {
  const perRequest = (level: LevelAllocations, bytes: number) =>
    level.responses > 0 ? (bytes / level.responses / 1024).toFixed(1) : "n/a";
  const names = Object.values(LAYERS).filter((name) =>
    levels.some((level) => level.summary.layers.some((share) => share.name === name)),
  );
  const cell = (level: LevelAllocations, name: string) => {
    const share = level.summary.layers.find((entry) => entry.name === name);
    return share
      ? `${perRequest(level, share.bytes)} ${share.percent.toFixed(1).padStart(5)}%`
      : "-";
  };
  const peak = (pick: (peaks: MemoryPeaks) => number) =>
    levels.map((level) => `${pick(level.summary.peaks).toFixed(0)} MiB`);
  return textTable(
    ["layer", ...levels.map((level) => `${level.label}: KB/req  share`)],
    [
      ...names.map((name) => [name, ...levels.map((level) => cell(level, name))]),
      [
        "all (JS heap)",
        ...levels.map((level) => `${perRequest(level, level.summary.totalBytes)}  100.0%`),
      ],
      ["peak JS heap used", ...peak((peaks) => peaks.heapUsedMiB)],
      ["peak Buffer contents (arrayBuffers)", ...peak((peaks) => peaks.arrayBuffersMiB)],
      ["peak external (incl. Buffers)", ...peak((peaks) => peaks.externalMiB)],
    ],
    1,
  );
}
