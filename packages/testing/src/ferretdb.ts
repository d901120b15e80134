import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { isAlive, runCommand } from "./processes.js";

export const FERRETDB_VERSION = "v1.24.2";
/** tools/ferretdb: a small Go module that runs FerretDB's embeddable package (see its main.go). */
const WRAPPER_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "tools",
  "ferretdb",
);

export interface RunningDatabase {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/** What the wrapper's binary is built from: go.mod, go.sum and its Go files (tests left out). */
function wrapperSources(): string[] {
  const goFiles = readdirSync(WRAPPER_DIR, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".go") && !file.endsWith("_test.go"))
    .sort();
  return ["go.mod", "go.sum", ...goFiles];
}

/**
 * Per-user cache keyed by FerretDB's version and the wrapper's sources: fresh clones on one
 * machine share one build, and a new version (or wrapper change) builds a new one.
 */
export function ferretdbBinaryPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const sources = createHash("sha256");
  for (const file of wrapperSources()) {
    sources.update(file);
    sources.update(readFileSync(join(WRAPPER_DIR, file)));
  }
  sources.update(JSON.stringify([FERRETDB_PATCHES, FERRETDB_ADDED_FILES]));
  const key = `ferretdb-${FERRETDB_VERSION}-${sources.digest("hex").slice(0, 12)}`;
  return join(cacheRoot, "sqibs", key, "ferretdb");
}

/** A line of FerretDB's source replaced before it is built (see FERRETDB_PATCHES). */
interface SourcePatch {
  file: string;
  from: string;
  to: string;
  why: string;
  /** How many times `from` is in the file (every one is replaced); 1 unless said. */
  occurrences?: number;
}

/**
 * FerretDB's SQLite backend reads through no index but `_id`'s: a filter is pushed down to
 * SQLite only as an `_id` equality, a sort only as `$natural` (internal/backends/sqlite
 * `Query`, `prepareOrderByClause`); every other filter and sort is applied to the documents
 * it decodes. A non-unique index is therefore never read, and costs every insert its key
 * expressions (`json_extract` of the document), a B-tree insert and a page more in each
 * commit. The build records such an index (listIndexes, createIndex and dropIndex behave as
 * before) without creating it in SQLite; unique indexes, `_id`'s among them, are created as
 * they were, since they decide inserts. Indexes an earlier build created stay, and are
 * dropped as before.
 */
const UNREAD_INDEX_PATCHES: readonly SourcePatch[] = [
  {
    file: "internal/backends/sqlite/metadata/registry.go",
    from: "\t\tif _, err := db.ExecContext(ctx, q); err != nil {\n\t\t\t_ = r.indexesDrop(ctx, dbName, collectionName, created)",
    to: "\t\tif !index.Unique {\n\t\t\t// not created in SQLite: never read (see UNREAD_INDEX_PATCHES)\n\t\t} else if _, err := db.ExecContext(ctx, q); err != nil {\n\t\t\t_ = r.indexesDrop(ctx, dbName, collectionName, created)",
    why: "record a non-unique index without creating it in SQLite, which never reads it",
  },
  {
    file: "internal/backends/sqlite/metadata/registry.go",
    from: `q := fmt.Sprintf("DROP INDEX %q", c.TableName+"_"+name)`,
    to: `q := fmt.Sprintf("DROP INDEX IF EXISTS %q", c.TableName+"_"+name)`,
    why: "drop a non-unique index that is only recorded",
  },
];

/**
 * Two lookups by `_id` that FerretDB's SQLite backend makes read the whole table, an update or
 * delete inside its write transaction, holding the database's only write lock (0.2 s on 45,000
 * deliveries, 0.7 s on 30,000 incidents):
 * - it indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up by
 *   `_ferretdb_sjson->'$._id'`: the same value, another expression, so SQLite uses no index.
 *   The lookup is written as the index is.
 * - it looks up by `_id` only when the filter has nothing else (`{_id, version}` reads every
 *   document). The handler applies the whole filter to the documents the backend returns
 *   (find, update, delete, findAndModify, count), so an `_id` equality beside other conditions
 *   narrows the read to that document; a filter naming `_id` twice is left as it was.
 * - an `_id: { $in: [...] }` (the dispatcher's batched delete of finished queue entries) read
 *   and decoded every document (on 2,000 queue entries, 30-100 ms of a write transaction for
 *   a few ids). With only strings or ObjectIDs in it, it is looked up as `_id IN (...)`
 *   through the same index, beside other conditions too (the handler still applies them).
 */
export const FERRETDB_PATCHES: readonly SourcePatch[] = [
  {
    file: "internal/backends/sqlite/metadata/metadata.go",
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + "->'_id'"`,
    why: "look `_id` up with the expression its index has",
  },
  {
    file: "internal/backends/sqlite/collection.go",
    from: `if params.Filter.Len() == 1 {`,
    to: `if func() bool { n := 0; for _, key := range params.Filter.Keys() { if key == "_id" { n++ } }; return n == 1 }() {`,
    why: "look `_id` up through its index when the filter has other conditions too",
    occurrences: 2,
  },
  {
    file: "internal/handler/msg_delete.go",
    from: "func (h *Handler) execDelete(ctx context.Context, c backends.Collection, p *common.Delete) (int32, error) {",
    to: "func (h *Handler) execDelete(ctx context.Context, c backends.Collection, p *common.Delete) (int32, error) {\n\treadThenWrite.Lock()\n\tdefer readThenWrite.Unlock()",
    why: "read and delete a delete's documents with no other read-then-write in between",
  },
  {
    file: "internal/handler/msg_update.go",
    from: "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {",
    to: "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {\n\treadThenWrite.Lock()\n\tdefer readThenWrite.Unlock()",
    why: "read and update an update's documents with no other read-then-write in between",
  },
  {
    file: "internal/handler/msg_findandmodify.go",
    from: "func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {",
    to: "func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n\treadThenWrite.Lock()\n\tdefer readThenWrite.Unlock()",
    why: "read and modify a findAndModify's document with no other read-then-write in between",
  },
  // The dispatcher's (issue 13): deletes and reads of many documents by `_id` at once.
  {
    file: "internal/backends/sqlite/collection.go",
    from: "\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:",
    to: "\t\tif clause, inArgs, ok := idInWhereClause(v); ok {\n\t\t\twhereClause, args = clause, inArgs\n\t\t}\n\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:",
    why: "look the documents of an `_id: { $in: [...] }` up through the `_id` index",
    occurrences: 2,
  },
  ...UNREAD_INDEX_PATCHES,
];

/** A Go file added to FerretDB's source before it is built (see FERRETDB_ADDED_FILES). */
interface AddedFile {
  file: string;
  text: string;
  why: string;
}

/**
 * FerretDB runs a delete, an update and a findAndModify as a read of the matching documents,
 * then a write of them by `_id`, in two transactions: another write in between is lost (50
 * concurrent `$inc` of one document gave 9), or a document that no longer matches is deleted
 * (a conditional delete removes the document re-inserted with the same `_id` in between). The
 * patches above hold this process-wide mutex around each one's read and write, so they run one
 * at a time, as SQLite runs its writes anyway. Inserts stay outside it (a unique index decides
 * them), and its holder only waits on the database, never on a caller: no deadlock.
 */
export const FERRETDB_ADDED_FILES: readonly AddedFile[] = [
  {
    file: "internal/handler/read_then_write.go",
    text: `package handler

import "sync"

// readThenWrite is held around each delete, update and findAndModify's read and write.
var readThenWrite sync.Mutex
`,
    why: "one read-then-write command at a time",
  },
  // The dispatcher's (issue 13), used by the patch of collection.go above.
  {
    file: "internal/backends/sqlite/id_in.go",
    text: `package sqlite

import (
\t"fmt"
\t"strings"

\t"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
\t"github.com/FerretDB/FerretDB/internal/handler/sjson"
\t"github.com/FerretDB/FerretDB/internal/types"
\t"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxIDsInClause stays well below SQLite's limit of bound parameters (32,766).
const maxIDsInClause = 10_000

// idInWhereClause is the WHERE clause of an \`_id\` filter { $in: [...] } whose values are all
// strings or ObjectIDs (compared as the \`_id\` equality is, through the \`_id\` index);
// ok is false for any other value, which is then filtered as before. It may return more
// documents than match, never fewer: the handler applies the whole filter to what it gets.
func idInWhereClause(v any) (string, []any, bool) {
\tdoc, isDoc := v.(*types.Document)
\tif !isDoc || doc.Len() != 1 {
\t\treturn "", nil, false
\t}

\tin, _ := doc.Get("$in")
\tvalues, isArray := in.(*types.Array)
\tif !isArray || values.Len() == 0 || values.Len() > maxIDsInClause {
\t\treturn "", nil, false
\t}

\targs := make([]any, 0, values.Len())
\tfor i := 0; i < values.Len(); i++ {
\t\tvalue := must.NotFail(values.Get(i))
\t\tswitch value.(type) {
\t\tcase string, types.ObjectID:
\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))
\t\tdefault:
\t\t\treturn "", nil, false
\t\t}
\t}

\tplaces := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")

\treturn fmt.Sprintf(\` WHERE %s IN (%s)\`, metadata.IDColumn, places), args, true
}
`,
    why: "the `_id: { $in: [...] }` lookup of the patch of collection.go",
  },
];

/**
 * Where the Go module cache holds `module` at the version tools/ferretdb requires, downloaded
 * first when it is not there yet: `go list -m` names a directory only for a module already
 * downloaded, so on a fresh machine it printed nothing.
 */
export async function moduleSourceDir(module: string, env: NodeJS.ProcessEnv): Promise<string> {
  const output = await runCommand("go", ["mod", "download", "-json", module], {
    cwd: WRAPPER_DIR,
    env,
  });
  const { Dir: dir, Error: error } = JSON.parse(output) as { Dir?: string; Error?: string };
  if (!dir) throw new Error(`go mod download ${module}: ${error ?? "no directory in its answer"}`);
  return dir;
}

/**
 * A copy of the wrapper in `staging` that builds a patched copy of FerretDB's module (go
 * replace): files beneath the module cache cannot be overlaid. Throws when a patch no longer
 * finds its line (a new FerretDB version: look again whether it is still needed).
 */
async function patchedWrapper(staging: string, env: NodeJS.ProcessEnv): Promise<string> {
  const module = "github.com/FerretDB/FerretDB";
  const ferretdb = join(staging, "FerretDB");
  cpSync(await moduleSourceDir(module, env), ferretdb, { recursive: true });
  // The module cache is read-only; the copy is patched, then removed with the staging folder.
  for (const entry of readdirSync(ferretdb, { recursive: true, withFileTypes: true })) {
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  chmodSync(ferretdb, 0o755);
  for (const patch of FERRETDB_PATCHES) {
    const path = join(ferretdb, patch.file);
    const text = readFileSync(path, "utf8");
    const found = text.split(patch.from).length - 1;
    if (found !== (patch.occurrences ?? 1)) {
      throw new Error(
        `FerretDB patch (${patch.why}): ${patch.file} has ${patch.from} ${found} times, not ${patch.occurrences ?? 1}`,
      );
    }
    writeFileSync(path, text.replaceAll(patch.from, patch.to));
  }
  for (const added of FERRETDB_ADDED_FILES) {
    const path = join(ferretdb, added.file);
    if (existsSync(path)) {
      throw new Error(`FerretDB added file (${added.why}): ${added.file} is already there`);
    }
    writeFileSync(path, added.text);
  }
  const wrapper = join(staging, "wrapper");
  for (const file of wrapperSources()) {
    mkdirSync(dirname(join(wrapper, file)), { recursive: true });
    cpSync(join(WRAPPER_DIR, file), join(wrapper, file));
  }
  await runCommand("go", ["mod", "edit", `-replace=${module}=${ferretdb}`], { cwd: wrapper, env });
  return wrapper;
}

/** Builds FerretDB from its Go module once; later calls return the cached binary. */
export async function ensureFerretDB(): Promise<string> {
  const binary = ferretdbBinaryPath();
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  const staging = `${dir}.build-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  process.stderr.write(`devdb: building FerretDB ${FERRETDB_VERSION} once into ${dir}\n`);
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" };
  const wrapper = await patchedWrapper(staging, env);
  await runCommand("go", ["build", "-trimpath", "-o", join(staging, "ferretdb"), "."], {
    cwd: wrapper,
    env,
  });
  mkdirSync(dir, { recursive: true });
  // rename is atomic: a concurrent build loses the race harmlessly.
  renameSync(join(staging, "ferretdb"), binary);
  rmSync(staging, { recursive: true, force: true });
  return binary;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** Its pid file, and with the SQLite backend its databases. */
  dataDir: string;
  /**
   * A PostgreSQL connection string: FerretDB's `postgresql` backend (see postgresql.ts for a
   * throwaway server) instead of SQLite files in dataDir.
   */
  postgresqlUrl?: string;
  port?: number;
  /** Keep running after this process exits (for `pnpm start`); tests leave it attached. */
  detached?: boolean;
  timeoutMs?: number;
}

export async function startFerretDB(options: StartOptions): Promise<RunningDatabase> {
  const binary = await ensureFerretDB();
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(
    binary,
    [
      ...(options.postgresqlUrl
        ? ["--handler=postgresql", `--postgresql-url=${options.postgresqlUrl}`]
        : [`--sqlite-url=file:${options.dataDir}/`]),
      `--listen-addr=127.0.0.1:${port}`,
      "--log-level=error",
    ],
    {
      detached: options.detached ?? false,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DO_NOT_TRACK: "1" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitForPing(uri, options.timeoutMs ?? 30_000, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  if (options.detached) child.unref();
  const pid = child.pid ?? 0;
  writeFileSync(pidFile(options.dataDir), `${pid} ${port}\n`);
  return {
    uri,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(pidFile(options.dataDir), { force: true });
    },
  };
}

export function pidFile(dataDir: string): string {
  return join(dataDir, "ferretdb.pid");
}

/** The FerretDB a previous `start` left running in dataDir, if it still answers. */
export async function findRunning(dataDir: string): Promise<{ pid: number; uri: string } | null> {
  if (!existsSync(pidFile(dataDir))) return null;
  const [pidText, portText] = readFileSync(pidFile(dataDir), "utf8").trim().split(" ");
  const pid = Number(pidText);
  const uri = `mongodb://127.0.0.1:${portText}/`;
  if (!isAlive(pid)) return null;
  try {
    await waitForPing(uri, 2_000);
    return { pid, uri };
  } catch {
    return null;
  }
}

export async function stopByPidFile(dataDir: string): Promise<boolean> {
  if (!existsSync(pidFile(dataDir))) return false;
  const pid = Number(readFileSync(pidFile(dataDir), "utf8").trim().split(" ")[0]);
  rmSync(pidFile(dataDir), { force: true });
  if (!isAlive(pid)) return false;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await sleep(50);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  return true;
}

export async function waitForPing(uri: string, timeoutMs: number, child?: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`FerretDB exited with code ${child.exitCode} before answering a ping`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await sleep(100);
    } finally {
      await client.close().catch(() => {});
    }
  }
  throw new Error(
    `database at ${uri} did not answer a ping within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
